"""Writes jumpdsl/backends/font_tables.py: glyph advances (in 1/1000 em) of the fonts that
stand for Times and Helvetica where no font can be looked up (no fontconfig): Liberation Serif
and Liberation Sans, metric-compatible with Times New Roman and Arial, and with the Tinos and
Arimo that the embedded Graphviz draws PNGs with.

    python scripts/gen_font_tables.py   # needs fontTools and the fonts-liberation package
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
FONTS = {"serif": "Liberation Serif", "sans": "Liberation Sans"}
# Printable ASCII and the few other characters figures use (×, ·, …, →, ⊕, µ, °, ², Greek).
CHARS = [chr(c) for c in range(32, 127)] + list("×·…→←↓↑⊕°µ²³αβγδεηθλμπσφω–—’“”")


def advances(family: str) -> tuple[dict[str, int], int]:
    path = subprocess.run(
        ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True
    ).stdout
    font = TTFont(path, lazy=True)
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    scale = 1000 / font["head"].unitsPerEm
    table = {c: round(metrics[cmap[ord(c)]][0] * scale) for c in CHARS if ord(c) in cmap}
    return table, round(metrics[cmap[ord("n")]][0] * scale)


def main() -> None:
    lines = [
        '"""Glyph advances in 1/1000 em of the stand-ins for Times and Helvetica (Liberation',
        "Serif and Sans), used where no installed font can be looked up. Written by",
        'scripts/gen_font_tables.py; do not edit."""',
        "",
        '__all__ = ["ADVANCES", "FALLBACK"]',
        "",
        "ADVANCES: dict[str, dict[str, int]] = {",
    ]
    fallback = {}
    for kind, family in FONTS.items():
        table, fallback[kind] = advances(family)
        lines.append(f"    {kind!r}: {{")
        lines += [f"        {c!r}: {w}," for c, w in table.items()]
        lines.append("    },")
    lines += ["}", f"FALLBACK: dict[str, int] = {fallback!r}  # a character not in the table", ""]
    (ROOT / "jumpdsl/backends/font_tables.py").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
