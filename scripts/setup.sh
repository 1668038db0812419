#!/usr/bin/env bash
# Installs what jumpdsl needs on a fresh machine: Graphviz's `dot` (for .pdf; .svg and .png work
# without it, through the embedded graphviz-pure), the Times and Helvetica twins figures are
# measured in (fonts-urw-base35, fonts-liberation), pdflatex with TikZ and Times (the tests
# compile the .tex figures in a paper; about a minute on a fresh machine), torch (kept if one is
# installed already), and jumpdsl itself with its dev tools and its training extras
# (numpy, scikit-learn, tqdm, matplotlib, Pillow), the language server's (pygls), and, where npm is, the VS Code
# extension's packages that its grammar test needs.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*" >&2; }  # before each slow step, so a silent minute is not a hang

NEED=""
command -v dot >/dev/null 2>&1 || NEED="$NEED graphviz"
command -v fc-match >/dev/null 2>&1 && fc-list | grep -q "Nimbus Roman" || NEED="$NEED fonts-urw-base35"
command -v fc-match >/dev/null 2>&1 && fc-list | grep -q "Liberation Serif" || NEED="$NEED fonts-liberation"
command -v pdflatex >/dev/null 2>&1 || NEED="$NEED texlive-latex-base texlive-latex-recommended texlive-pictures texlive-fonts-recommended"
if [ -n "$NEED" ]; then
    SUDO=""
    [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
    if command -v apt-get >/dev/null 2>&1; then
        say "installing$NEED with apt-get (about a minute on a fresh machine)…"
        (export DEBIAN_FRONTEND=noninteractive
         $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $NEED >/dev/null) \
            || echo "setup: could not install$NEED; .svg and .png still render (embedded), .pdf needs Graphviz, the TikZ compile tests skip without pdflatex" >&2
    else
        echo "setup: install$NEED with your package manager (Graphviz for .pdf output)" >&2
    fi
fi

PY=${PYTHON:-python3}
# Bring your own torch (any >= 2.4, CPU or CUDA); otherwise take the pinned CPU-friendly one.
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
    say "installing torch 2.13.0 with pip (a large download)…"
    "$PY" -m pip install -q --disable-pip-version-check "torch==2.13.0"
fi
say "installing jumpdsl (editable) with its dev, train and lsp extras with pip…"
"$PY" -m pip install -q --disable-pip-version-check -e ".[dev,train,lsp]"

if command -v npm >/dev/null 2>&1; then
    say "installing the VS Code extension's packages with npm…"
    (cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error) \
        || echo "setup: npm ci failed in editors/vscode; the TextMate grammar test is skipped" >&2
fi
