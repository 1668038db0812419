#!/usr/bin/env bash
# Installs what jumpdsl needs on a fresh machine: Graphviz's `dot` (for .pdf/.png; .svg works
# without it), torch (kept if one is installed already), and jumpdsl itself with its dev tools
# and its training extras (scikit-learn, tqdm, matplotlib), the language server's (pygls), and,
# where npm is, the VS Code extension's packages that its grammar test needs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
    if command -v apt-get >/dev/null 2>&1; then
        (export DEBIAN_FRONTEND=noninteractive
         $SUDO apt-get update -qq && $SUDO apt-get install -y -qq graphviz >/dev/null) \
            || echo "setup: could not install Graphviz; .svg still renders (embedded), .pdf/.png need it" >&2
    else
        echo "setup: install Graphviz with your package manager for .pdf/.png output" >&2
    fi
fi

PY=${PYTHON:-python3}
# Bring your own torch (any >= 2.4, CPU or CUDA); otherwise take the pinned CPU-friendly one.
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
    "$PY" -m pip install -q --disable-pip-version-check "torch==2.13.0"
fi
"$PY" -m pip install -q --disable-pip-version-check -e ".[dev,train,lsp]"

if command -v npm >/dev/null 2>&1; then
    (cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error) \
        || echo "setup: npm ci failed in editors/vscode; the TextMate grammar test is skipped" >&2
fi
