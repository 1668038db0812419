"""Fonts as they will be drawn: a name a paper asks for (``Times``) resolved to the font that is
really installed, with its glyph widths, so every box is sized for the text it holds.

With the system Graphviz, Graphviz itself is asked (``dot -v``) which installed font each
candidate name draws with: the name asked for, what fontconfig (``fc-match``) makes of it, and
for Times and Helvetica the known metric twins (TeX Gyre Termes, Liberation Serif, Nimbus Roman;
TeX Gyre Heros, Liberation Sans, Nimbus Sans, Arial). The first that resolves to a real match
wins: Graphviz is given that name, and the widths are read from the file it resolved to, so the
figure is drawn in the very font it was measured in. (Graphviz's own PostScript aliases send
``Times-Roman`` and ``Helvetica`` to DejaVu fonts, which is why the names are resolved here.)
The embedded Graphviz draws PNGs in its own Tinos (for serif
names) and Arimo (for the rest), metric twins of Liberation Serif and Sans, whose widths ship in
:mod:`jumpdsl.backends.font_tables`; those tables also stand in wherever fontconfig or the font
file is missing. ``Font.source`` says which was used. No torch here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from jumpdsl.backends.font_tables import ADVANCES, FALLBACK

__all__ = ["LINE_HEIGHT", "Font", "resolve_font"]

LINE_HEIGHT = 1.2  # Graphviz's line spacing, in font sizes
_PS_NAMES = {"Times-Roman": "Times", "Helvetica-Narrow": "Helvetica"}
_SERIF = {
    "times",
    "times new roman",
    "tinos",
    "liberation serif",
    "nimbus roman",
    "tex gyre termes",
    "serif",
    "palatino",
    "georgia",
    "dejavu serif",
    "latin modern roman",
    "computer modern",
    "cmu serif",
}
_ENGINE_FAMILY = {"serif": "Times", "sans": "Helvetica"}  # the embedded engine's names
_TWINS = {
    "times": ("Times", "TeX Gyre Termes", "Liberation Serif", "Nimbus Roman", "Tinos"),
    "helvetica": ("TeX Gyre Heros", "Liberation Sans", "Nimbus Sans", "Arial", "Arimo"),
    "arial": ("Arial", "Liberation Sans", "Arimo", "TeX Gyre Heros", "Nimbus Sans"),
    "times new roman": ("Times New Roman", "Liberation Serif", "Tinos", "TeX Gyre Termes"),
}
_RESOLVED = re.compile(
    r'fontname: "(.*)" resolved to: .*\(PangoCairoFcFont\) "([^,"]+)[^"]*" (\S.*)$'
)


@dataclass(frozen=True)
class Font:
    """``family``: the name Graphviz is given; ``css``: the SVG ``font-family`` list (the real
    font first, then what was asked for); ``source``: the font file measured, or the table."""

    request: str
    family: str
    css: str
    source: str
    advances: Mapping[str, float]  # character → advance in em
    fallback: float

    def width(self, text: str, size: float) -> float:
        """The width of one line of ``text`` at ``size`` points, in points."""
        return sum(self.advances.get(c, self.fallback) for c in text) * size


def resolve_font(request: str, *, system: bool) -> Font:
    """The font ``request`` will be drawn in: by the system Graphviz (``system``) or by the
    embedded one."""
    asked = _PS_NAMES.get(request, request)
    kind = "serif" if asked.lower() in _SERIF else "sans"
    generic = "serif" if kind == "serif" else "sans-serif"
    if system:
        found = _system_font(asked)
        if found is not None:
            name, family, path = found
            advances = _file_advances(path)
            if advances is not None:
                css = ",".join(dict.fromkeys([family, asked, generic]))
                return Font(request, name, css, path, *advances)
    table = ADVANCES[kind]
    family = asked if system else _ENGINE_FAMILY[kind]
    css = ",".join(dict.fromkeys([asked, _ENGINE_FAMILY[kind], generic]))
    advances_em = {c: w / 1000 for c, w in table.items()}
    return Font(request, family, css, f"table:{kind}", advances_em, FALLBACK[kind] / 1000)


def _system_font(asked: str) -> tuple[str, str, str] | None:
    """(the name to give Graphviz, the family it draws, its file) for a font asked for."""
    matched = _fontconfig(asked)
    candidates = [asked, *(m[0] for m in [matched] if m), *_TWINS.get(asked.lower(), ())]
    candidates = list(dict.fromkeys(candidates))
    resolved = _graphviz_fonts(candidates)
    wanted = {c.lower() for c in candidates}
    for name in candidates:
        if name in resolved and resolved[name][0].lower() in wanted:
            return (name, *resolved[name])
    if asked in resolved:
        return (asked, *resolved[asked])  # no twin installed: what Graphviz draws it with
    return None


def _graphviz_fonts(names: list[str]) -> dict[str, tuple[str, str]]:
    """name → (family, file) as the system Graphviz resolves each of ``names``."""
    program = shutil.which("dot")
    if program is None:
        return {}
    nodes = "".join(f'n{i} [fontname="{name}"];' for i, name in enumerate(names))
    done = subprocess.run(
        [program, "-v", "-Tsvg"], input=f"digraph {{ {nodes} }}", capture_output=True, text=True
    )
    found: dict[str, tuple[str, str]] = {}
    for line in done.stderr.splitlines():
        match = _RESOLVED.match(line.strip())
        if match is not None:
            found.setdefault(match.group(1), (match.group(2), match.group(3)))
    return found


def _fontconfig(name: str) -> tuple[str, str] | None:
    """(family, file) of the installed font that fontconfig draws ``name`` with."""
    program = shutil.which("fc-match")
    if program is None:
        return None
    done = subprocess.run(
        [program, "-f", "%{family[0]}\t%{file}", name], capture_output=True, text=True
    )
    family, _, path = done.stdout.partition("\t")
    if done.returncode != 0 or not family or not path:
        return None
    return family, path


def _file_advances(path: str) -> tuple[dict[str, float], float] | None:
    """Advances in em of the printable characters a figure uses, read from a font file."""
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(path, lazy=True, fontNumber=0)
        cmap, metrics = font.getBestCmap(), font["hmtx"]
        scale = 1 / font["head"].unitsPerEm
    except Exception:  # no fontTools, or a file it cannot read: the tables stand in
        return None
    advances = {chr(c): metrics[glyph][0] * scale for c, glyph in cmap.items()}
    if "n" not in advances:
        return None
    return advances, advances["n"]
