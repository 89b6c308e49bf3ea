# The two set-up commands of the README. Both create .venv and install lreview into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config/ldn-endometriosis.toml
# CONSTRAINTS=constraints.txt installs the versions the suite last passed with (CI does); empty: newest.
CONSTRAINTS ?=
LATEST_VENV ?= .venv-latest

.PHONY: install refresh demo test lint constraints test-latest

$(BIN)/lreview: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(if $(CONSTRAINTS),--constraint $(CONSTRAINTS)) -e '.[dev]'
	touch $@

install: $(BIN)/lreview

## refresh: install, then harvest PubMed for the LDN review into outputs/ (needs the internet)
refresh: install
	$(BIN)/lreview refresh --config $(CONFIG)

## demo: the whole loop offline (a local E-utilities server instead of NCBI) into outputs/demo/
demo: install
	$(BIN)/python scripts/demo.py

## test: install, then run the whole offline test suite (SQLite, local PostgreSQL, local E-utilities)
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests flows benchmarks
	$(BIN)/mypy

## constraints: write constraints.txt from the installed venv (after the suite passed with it)
constraints: install
	{ echo '# Versions the whole suite passed with (make constraints; used by .ci/run via make test CONSTRAINTS=constraints.txt)'; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^lreview=='; } > constraints.txt

## test-latest: a new venv with the newest release of every dependency, then the whole suite
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install --quiet --upgrade pip
	$(LATEST_VENV)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	$(LATEST_VENV)/bin/pip freeze --exclude-editable > $(LATEST_VENV)/versions.txt
	grep -v '^#' constraints.txt | diff - $(LATEST_VENV)/versions.txt || true
	$(LATEST_VENV)/bin/python -m pytest
