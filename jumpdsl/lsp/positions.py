"""Positions: the project's spans count lines and columns from 1, in code points; an editor
counts from 0, in UTF-16 code units unless it agreed on another encoding. The conversions
need the line's text: a character outside the Basic Multilingual Plane is one code point but
two UTF-16 units (and four UTF-8 bytes).

>>> line = "conv(64) # 😀 é"
>>> to_units(line, 14, "utf-16"), to_units(line, 14, "utf-8"), to_units(line, 14, "utf-32")
(14, 16, 13)
>>> from_units(line, 14, "utf-16")
14
"""

from __future__ import annotations

__all__ = ["ENCODINGS", "from_units", "to_units"]

ENCODINGS = ("utf-16", "utf-8", "utf-32")


def _width(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == "utf-8":
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    if encoding == "utf-16":
        return 2 if code >= 0x10000 else 1
    return 1


def to_units(line: str, column: int, encoding: str = "utf-16") -> int:
    """The editor's 0-based character offset of the 1-based code-point ``column`` in ``line``
    (a column past the end counts the missing characters as one unit each)."""
    before = line[: max(column - 1, 0)]
    extra = max(column - 1 - len(line), 0)
    return sum(_width(c, encoding) for c in before) + extra


def from_units(line: str, units: int, encoding: str = "utf-16") -> int:
    """The 1-based code-point column of the editor's 0-based offset ``units`` in ``line``
    (an offset inside a character's units lands after that character)."""
    counted = 0
    for index, char in enumerate(line):
        if counted >= units:
            return index + 1
        counted += _width(char, encoding)
    return len(line) + 1 + max(units - counted, 0)
