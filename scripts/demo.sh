#!/usr/bin/env bash
# The main job on a fresh machine: set up, compile the seed's JumpNet, draw it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jumpdsl compile specs/jumpnet.jnet
mkdir -p out
jumpdsl draw specs/jumpnet.jnet -o out/jumpnet.svg
