"""Graphviz's own layout (``-Tjson``: xdot drawing operations) → a TikZ picture that drops
into any paper: ``\\input{fig.tex}`` where the preamble loads only ``tikz``.

Every outline, spline and arrowhead goes where Graphviz put it; only the text is typeset by
LaTeX, in the paper's own font family at the figure's sizes. The colours are defined inside the
picture (so they exist wherever it goes, and end with it) under names of this figure's own, so
two figures never clash. Units are PostScript points (``bp``), Graphviz's own; a picture too big
for TeX's dimensions (no side may pass 16383 pt) is scaled down to fit them. No torch, no
Graphviz here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jumpdsl.backends.draw_labels import plain_lines

__all__ = ["Palette", "picture", "tex_text", "to_tikz"]

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
    "<": r"\textless{}",  # OT1 sets these two and the bar as other glyphs (¡, ¿, —)
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "×": r"\texttimes{}",  # the paper font's own signs (LaTeX's kernel has them since 2020)
    "·": r"\textperiodcentered{}",
    "…": r"\ldots{}",
    "→": r"\textrightarrow{}",
}
_MAX_SIDE = 16000.0  # bp: TeX's dimensions end at 16383.99998 pt


def to_tikz(layout: dict[str, Any], name: str | None = None) -> str:
    """One ``tikzpicture``, its colours defined inside it under names of its own (from
    ``name`` and the picture: two figures of one paper never share one)."""
    _, _, width, height = (float(v) for v in str(layout.get("bb", "0,0,0,0")).split(","))
    scale = min(1.0, _MAX_SIDE / max(width, height, 1.0))
    palette = Palette()
    pen_scale = _Scale(scale)
    body = [line for obj in _in_paint_order(layout) for line in _object(obj, palette, pen_scale)]
    title = name or str(layout.get("name", "figure"))
    return picture(title, "placed by Graphviz", body, palette, width, height, scale)


def picture(
    title: str,
    how: str,
    body: list[str],
    palette: Palette,
    width: float,
    height: float,
    scale: float = 1.0,
) -> str:
    """``body`` (lines with the palette's placeholders) as a tikzpicture to ``\\input``: a
    comment saying what it is, its colours defined inside it under this figure's names."""
    prefix = _prefix(title, body)
    unit = f"{scale:.6g}bp" if scale < 1 else "1bp"
    header = (
        f"% {_comment(title)}: drawn by jumpdsl, {how}; {width * scale / 72:.2f} x "
        f"{height * scale / 72:.2f} in.\n"
        "% In a paper: \\usepackage{tikz} in the preamble, then \\input{this file} where the "
        "figure\n% goes; its text takes the paper's font. Its colours are its own "
        f"({prefix}...).\n"
    )
    return "".join(
        [
            header,
            f"\\begin{{tikzpicture}}[x={unit}, y={unit}]\n",
            *palette.definitions(prefix),
            *(palette.named(line, prefix) for line in body),
            "\\end{tikzpicture}%\n",
        ]
    )


@dataclass(frozen=True)
class _Scale:
    """How much a picture too big for TeX is scaled down: line widths and fonts with it."""

    factor: float


def _prefix(name: str, body: list[str]) -> str:
    """Colour names of this figure's own: ``jd``, the figure's letters, a digest in letters."""
    letters = "".join(c for c in name if c.isascii() and c.isalpha())[:16]
    digest = hashlib.sha1("".join(body).encode("utf-8")).hexdigest()[:6]
    return "jd" + letters + "".join(chr(ord("a") + int(c, 16)) for c in digest)


_COLOR_REF = re.compile(r"\x00(\d+)\x00")


def _comment(text: str) -> str:
    """``text`` kept on its comment's line: no line break (nor anything unprintable) in it."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


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
class Palette:
    """The colours a picture uses, numbered in order of use; written as placeholders, named
    once the figure's prefix is known."""

    numbers: dict[str, int] = field(default_factory=dict)

    def name(self, color: str) -> str | None:
        """``#rrggbb[aa]`` (or a name) → a placeholder for a defined colour; None for a fully
        transparent one."""
        match = re.fullmatch(r"#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?", color)
        if match is None:
            rgb = _NAMED.get(color.lower(), "000000")
        elif match.group(2) is not None and int(match.group(2), 16) == 0:
            return None
        else:
            rgb = match.group(1).upper()
        number = self.numbers.setdefault(rgb, len(self.numbers))
        return f"\x00{number}\x00"

    @staticmethod
    def suffix(number: int) -> str:
        """``a``, ``b``, … ``z``, ``ba``, …: letters only, safe in any colour name."""
        letters = ""
        while True:
            letters = chr(ord("a") + number % 26) + letters
            number //= 26
            if number == 0:
                return letters

    def named(self, line: str, prefix: str) -> str:
        """``line`` with its placeholders replaced by the colours' names."""
        return _COLOR_REF.sub(lambda m: prefix + self.suffix(int(m.group(1))), line)

    def definitions(self, prefix: str) -> list[str]:
        return [
            f"\\definecolor{{{prefix}{self.suffix(n)}}}{{HTML}}{{{rgb}}}\n"
            for rgb, n in self.numbers.items()
        ]


_NAMED = {"black": "000000", "white": "FFFFFF", "transparent": "FFFFFF"}


def _object(obj: dict[str, Any], colors: Palette, scale: _Scale) -> Iterator[str]:
    if obj.get("style") == "invis":
        return
    for key in _LISTS:
        pen = _Pen(line=colors.name("black"), fill=colors.name("black"))
        ops = _label_text(obj) if key == "_ldraw_" else obj.get(key, [])
        for op in ops:
            line = _op(op, pen, colors, scale.factor)
            if line:
                yield line


def _label_text(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The label's drawing operations, each text the line of the label it sets, read off the
    DOT label itself: the embedded Graphviz writes a backslash in its xdot text twice (all
    but a last one), so the text there is not the reader's."""
    ops = list(obj.get("_ldraw_", []))
    texts = [i for i, op in enumerate(ops) if op.get("op") == "T"]
    lines = plain_lines(str(obj["label"])) if "label" in obj else []
    if len(lines) == len(texts):
        for i, line in zip(texts, lines, strict=True):
            ops[i] = {**ops[i], "text": line}
    return ops


def _op(op: dict[str, Any], pen: _Pen, colors: Palette, scale: float) -> str | None:
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
        return _text(op, pen, scale)
    elif pen.visible:
        return _shape(kind, op, pen, scale)
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


def _shape(kind: str, op: dict[str, Any], pen: _Pen, scale: float) -> str | None:
    filled = kind in "PBE"
    width = f"line width={pen.width * scale:.3g}bp"
    options = [f"draw={pen.line}" if pen.line else "draw=none", width]
    if filled:
        if pen.fill is None:
            return None if pen.line is None else _shape(kind.lower(), op, pen, scale)
        options.append(f"fill={pen.fill}")
    elif pen.line is None:
        return None
    if pen.dash:
        options.append(pen.dash)
    if kind in "eE":
        x, y, rx, ry = op["rect"]
        path = (
            f"({x:.2f},{y:.2f}) ellipse [x radius={rx * scale:.2f}bp, y radius={ry * scale:.2f}bp]"
        )
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


def _text(op: dict[str, Any], pen: _Pen, scale: float) -> str:
    x, y = op["pt"]
    size = round(pen.font_size * scale, 2)
    font = f"\\fontsize{{{size:g}}}{{{size * 1.2:g}}}\\selectfont"
    font += "\\bfseries" if pen.bold else ""
    font += "\\itshape" if pen.italic else ""
    color = f", text={pen.line}" if pen.line else ""
    anchor = _ANCHOR.get(str(op.get("align", "c")), "base")
    return (
        f"\\node[anchor={anchor}, inner sep=0pt{color}, font={font}] "
        f"at ({x:.2f},{y:.2f}) {{{tex_text(op['text'])}}};\n"
    )


def tex_text(text: str) -> str:
    """Text set safely in TeX: every special character as the character itself; one that is
    not printable (TeX refuses a NUL, ends a line at a line break) as a space."""
    return "".join(_TEX.get(ch, ch if ch.isprintable() else " ") for ch in text)
