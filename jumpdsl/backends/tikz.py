"""Graphviz's own layout (``-Tjson``: xdot drawing operations) → a standalone TikZ picture.

Every outline, spline and arrowhead goes where Graphviz put it; only the text is typeset by
LaTeX, so a figure ``\\input`` into a paper (through the ``standalone`` package) uses the paper's
fonts. Units are PostScript points (``bp``), Graphviz's own. No torch, no Graphviz here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["to_tikz"]

_LISTS = ("_draw_", "_ldraw_", "_hdraw_", "_tdraw_", "_hldraw_", "_tldraw_")
_ANCHOR = {"l": "base west", "c": "base", "r": "base east"}
_TEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "…": r"\ldots{}",
    "→": r"$\rightarrow$",
}
_PREAMBLE = r"""% {name}: drawn by jumpdsl, placed by Graphviz. Compile it alone (pdflatex), or
% \usepackage{{standalone}} in a paper and \input it: then the text takes the paper's fonts.
\documentclass[tikz,border=2pt]{{standalone}}
\usepackage[T1]{{fontenc}}
\usepackage{{lmodern}}
"""


def to_tikz(layout: dict[str, Any]) -> str:
    """A complete standalone LaTeX document holding one ``tikzpicture``."""
    colors = _Colors()
    body = [line for obj in _in_paint_order(layout) for line in _object(obj, colors)]
    return "".join(
        [
            _PREAMBLE.format(name=_tex(str(layout.get("name", "figure")))),
            *colors.definitions(),
            "\\begin{document}\n\\begin{tikzpicture}[x=1bp, y=1bp]\n",
            *body,
            "\\end{tikzpicture}\n\\end{document}\n",
        ]
    )


def _in_paint_order(layout: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Clusters (outer first), then edges, then nodes: nodes cover the ends of edges."""
    objects = layout.get("objects", [])
    yield from (o for o in objects if "nodes" in o or "subgraphs" in o)
    yield from layout.get("edges", [])
    yield from (o for o in objects if "pos" in o and "nodes" not in o)


@dataclass
class _Pen:
    """The xdot drawing state: it carries from one operation to the next in a list."""

    line: str | None = "black"
    fill: str | None = "black"
    width: float = 1.0
    dash: str = ""
    font_size: float = 14.0
    bold: bool = False
    italic: bool = False
    visible: bool = True


@dataclass
class _Colors:
    names: dict[str, str] = field(default_factory=dict)

    def name(self, color: str) -> str | None:
        """``#rrggbb[aa]`` → a defined colour's name; None for a fully transparent one."""
        match = re.fullmatch(r"#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?", color)
        if match is None:
            return "black"
        if match.group(2) is not None and int(match.group(2), 16) == 0:
            return None
        rgb = match.group(1).upper()
        return self.names.setdefault(rgb, f"jd{len(self.names)}")

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{n}}}{{HTML}}{{{rgb}}}\n" for rgb, n in self.names.items()]


def _object(obj: dict[str, Any], colors: _Colors) -> Iterator[str]:
    if obj.get("style") == "invis":
        return
    for key in _LISTS:
        pen = _Pen()
        for op in obj.get(key, []):
            line = _op(op, pen, colors)
            if line:
                yield line


def _op(op: dict[str, Any], pen: _Pen, colors: _Colors) -> str | None:
    kind = op["op"]
    if kind in "cC":
        setattr(pen, "line" if kind == "c" else "fill", colors.name(op["color"]))
    elif kind == "S":
        _style(op["style"], pen)
    elif kind == "F":
        pen.font_size = float(op["size"])
    elif kind == "t":
        pen.bold, pen.italic = bool(op["fontchar"] & 1), bool(op["fontchar"] & 2)
    elif kind == "T":
        return _text(op, pen)
    elif pen.visible:
        return _shape(kind, op, pen)
    return None


def _style(style: str, pen: _Pen) -> None:
    width = re.fullmatch(r"setlinewidth\(([\d.]+)\)", style)
    if width:
        pen.width = float(width.group(1))
    elif style in ("dashed", "dotted"):
        pen.dash = style
    elif style == "solid":
        pen.dash = ""
    elif style == "bold":
        pen.width = 2.0
    elif style == "invis":
        pen.visible = False


def _shape(kind: str, op: dict[str, Any], pen: _Pen) -> str | None:
    filled = kind in "PBE"
    options = [f"draw={pen.line}" if pen.line else "draw=none", f"line width={pen.width:g}bp"]
    if filled:
        if pen.fill is None:
            return None if pen.line is None else _shape(kind.lower(), op, pen)
        options.append(f"fill={pen.fill}")
    elif pen.line is None:
        return None
    if pen.dash:
        options.append(pen.dash)
    if kind in "eE":
        x, y, rx, ry = op["rect"]
        path = f"({x:.2f},{y:.2f}) ellipse [x radius={rx:.2f}bp, y radius={ry:.2f}bp]"
    else:
        path = _path(kind, op["points"])
    return f"\\path[{', '.join(options)}] {path};\n"


def _path(kind: str, points: list[list[float]]) -> str:
    coords = [f"({x:.2f},{y:.2f})" for x, y in points]
    if kind in "bB":
        steps = [coords[0]]
        for i in range(1, len(coords) - 2, 3):
            steps.append(f".. controls {coords[i]} and {coords[i + 1]} .. {coords[i + 2]}")
        return " ".join(steps)
    path = " -- ".join(coords)
    return path + " -- cycle" if kind in "pP" else path


def _text(op: dict[str, Any], pen: _Pen) -> str:
    x, y = op["pt"]
    size = pen.font_size
    font = f"\\fontsize{{{size:g}}}{{{size * 1.2:g}}}\\selectfont"
    font += "\\bfseries" if pen.bold else ""
    font += "\\itshape" if pen.italic else ""
    color = f", text={pen.line}" if pen.line else ""
    anchor = _ANCHOR.get(str(op.get("align", "c")), "base")
    return (
        f"\\node[anchor={anchor}, inner sep=0pt{color}, font={font}] "
        f"at ({x:.2f},{y:.2f}) {{{_tex(op['text'])}}};\n"
    )


def _tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)
