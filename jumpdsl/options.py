"""The choices the command line offers and the backends accept, in one torch-free place:
argparse reads its ``choices`` here, and each backend checks its own tables against these
(``tests/test_architecture.py``), so the two cannot drift apart.
"""

from __future__ import annotations

import re

__all__ = [
    "COMPILE_MODES",
    "DIAGNOSTIC_FORMATS",
    "DRAW_ENGINES",
    "DRAW_FORMATS",
    "DRAW_STYLES",
    "DRAW_WIDTHS",
    "EXPORT_SUFFIXES",
    "FONT_NAME",
    "PRECISIONS",
    "RANKDIRS",
    "THEMES",
]

DIAGNOSTIC_FORMATS = ("text", "json")  # jumpdsl check --format
DRAW_FORMATS = ("svg", "pdf", "png", "dot", "tex")  # jumpdsl draw: the suffix or --format
DRAW_ENGINES = ("auto", "system", "embedded")  # which Graphviz renders
# jumpdsl draw --font: a family's name as figures pass it on (to Graphviz, into SVG attributes
# and CSS), so nothing in it quotes, escapes or marks up.
FONT_NAME = re.compile(r"[\w .,+'-]{1,100}")
DRAW_STYLES = ("flat", "3d")  # jumpdsl draw --style: Graphviz boxes, or tensors as cuboids
DRAW_WIDTHS = {"column": 3.3, "page": 7.0}  # jumpdsl draw --width NAME, in inches
RANKDIRS = ("TB", "LR")  # the direction of the main flow
THEMES = ("color", "paper")
EXPORT_SUFFIXES = (".py", ".onnx", ".pt2")  # jumpdsl export -o FILE
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune")  # torch.compile's mode
PRECISIONS = ("auto", "bf16", "fp32")  # train and eval: auto is bf16 autocast on CUDA
