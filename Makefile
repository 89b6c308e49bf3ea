# The two set-up commands of the README. Both create .venv and install lreview into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config/ldn-endometriosis.toml

.PHONY: install refresh test lint

$(BIN)/lreview: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/lreview

## refresh: install, then harvest PubMed for the LDN review into outputs/ (needs the internet)
refresh: install
	$(BIN)/lreview refresh --config $(CONFIG)

## test: install, then run the whole offline test suite (SQLite, local PostgreSQL, local E-utilities)
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests flows benchmarks
	$(BIN)/mypy
