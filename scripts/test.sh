#!/usr/bin/env bash
# The test suite on a fresh machine: set up, lint, type-check, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=${PYTHON:-python3}
"$PY" -m ruff check .
"$PY" -m ruff format --check .
"$PY" -m mypy jumpdsl
"$PY" -m pytest
