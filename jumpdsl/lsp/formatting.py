"""Formatting for the editor: the ``jumpdsl fmt`` rules (:func:`jumpdsl.formatting.format_source`)
as one edit of the whole text; nothing while the file has syntax errors.

>>> from jumpdsl.source import SourceFile
>>> edit = format_edit(SourceFile("t.jnet", "network T{input [3,8,8]}"))
>>> edit.span.end_line, edit.text
(1, 'network T {\\n    input [3, 8, 8]\\n}\\n')
"""

from __future__ import annotations

from dataclasses import dataclass

from jumpdsl.formatting import FormatterBug, format_source
from jumpdsl.source import SourceFile, Span

__all__ = ["Edit", "format_edit", "whole"]


@dataclass(frozen=True)
class Edit:
    """Replace ``span`` (1-based, end exclusive) with ``text``."""

    span: Span
    text: str


def whole(source: SourceFile) -> Span:
    """The span of the whole text (to the end of its last line)."""
    last = len(source.lines)
    return Span(source.path, 1, 1, last, len(source.lines[-1]) + 1)


def format_edit(source: SourceFile) -> Edit | None:
    """The edit that formats ``source``; None when it is formatted or cannot be."""
    try:
        formatted = format_source(source)
    except FormatterBug:
        return None
    if formatted.text is None or not formatted.changed:
        return None
    return Edit(whole(source), formatted.text)
