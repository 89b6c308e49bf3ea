#!/usr/bin/env bash
# Create the separate venv benchmarks/.venvs/asreview holding ASReview (the ELAS u4 baseline).
#
# ASReview is kept out of lreview's own venv: it pins its own scikit-learn/pandas and pulls a web app.
# Idempotent: when the pinned version is already importable the script only says so and exits.
# Usage (any cwd): bash benchmarks/screening/setup_asreview.sh
set -euo pipefail

ASREVIEW_VERSION="3.0.8"  # newest release on PyPI (2026-11); its default model is ELAS u4
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$REPO_ROOT/benchmarks/.venvs/asreview"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("asreview"))' 2>/dev/null || true
}

if [[ -x "$VENV/bin/python" && "$(installed_version)" == "$ASREVIEW_VERSION" ]]; then
    echo "asreview $ASREVIEW_VERSION already installed in $VENV"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# Plain `asreview`, no extras: ELAS u4 needs only scikit-learn (no torch, no sentence-transformers).
"$VENV/bin/python" -m pip install --quiet "asreview==$ASREVIEW_VERSION"

if [[ "$(installed_version)" != "$ASREVIEW_VERSION" ]]; then
    echo "setup_asreview.sh: asreview $ASREVIEW_VERSION not importable from $VENV after install" >&2
    exit 1
fi
echo "asreview $ASREVIEW_VERSION installed in $VENV"
