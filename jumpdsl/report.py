"""Diagnostics rendered as text (for terminals) or JSON (for editors). Returns strings; the CLI
prints them.

The source line is shown with tabs expanded and control or bidi characters replaced by
visible escapes, and the caret is placed by display width, so it lines up under wide
characters too.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping

from jumpdsl.diagnostics import Diagnostic, visible
from jumpdsl.errorcodes import Severity
from jumpdsl.messages import more_errors
from jumpdsl.source import SourceFile, Span

__all__ = ["MAX_ERRORS", "capped", "left_out_line", "render_json", "render_text", "safe_text"]

# Diagnostics shown per file by default (--max-errors): a file of 5,000 errors shows the first
# 50 and one line for the rest, not 777 KB.
MAX_ERRORS = 50

_TAB = 4


def _char_display(char: str) -> str:
    return " " * _TAB if char == "\t" else visible(char)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def safe_text(text: str) -> str:
    """Text with control and bidi characters made visible (messages quote user input).

    >>> safe_text("a\\u202eb")
    'a<U+202E>b'
    """
    return visible(text.replace("\t", " "))


# Characters of a source line shown around the caret: a 5,000-digit literal or a minified
# line is shown as a window, with '…' where it is cut.
_LINE_WINDOW = 160


def _window(line: str, column: int, end_column: int) -> tuple[str, int, int, str, str]:
    """The part of ``line`` to show, the span's columns in it, and the marks at each end."""
    if len(line) <= _LINE_WINDOW:
        return line, column, end_column, "", ""
    first = max(0, min(column - 1 - _LINE_WINDOW // 4, len(line) - _LINE_WINDOW))
    last = first + _LINE_WINDOW
    before, after = ("…" if first else ""), ("…" if last < len(line) else "")
    shift = first - len(before)
    return line[first:last], column - shift, min(end_column, last + 1) - shift, before, after


def _excerpt(source: SourceFile, span: Span) -> list[str]:
    end_column = (
        span.end_column if span.end_line == span.line else len(source.line_text(span.line)) + 1
    )
    line, column, end_column, before, after = _window(
        source.line_text(span.line), span.column, end_column
    )
    line = before + line
    number = str(span.line)
    gutter = " " * len(number)
    shown = "".join(_char_display(c) for c in line)
    start = _width("".join(_char_display(c) for c in line[: column - 1]))
    end_col = max(end_column, column + 1)
    length = _width("".join(_char_display(c) for c in line[column - 1 : end_col - 1]))
    return [
        f" {number} | {shown}{after}",
        f" {gutter} | {' ' * start}{'^' * max(length, 1)}",
    ]


def _render_one(diag: Diagnostic, sources: Mapping[str, SourceFile]) -> list[str]:
    where = f"{diag.span.describe()}: " if diag.span else ""
    lines = [f"{where}{diag.severity.value}[{diag.code}]: {safe_text(diag.message)}"]
    if diag.span and diag.span.path in sources:
        lines += _excerpt(sources[diag.span.path], diag.span)
    for label in diag.labels:
        lines.append(f"  note: {label.span.describe()}: {safe_text(label.message)}")
        if label.span.path in sources:
            lines += _excerpt(sources[label.span.path], label.span)
    if diag.hint:
        lines.append(f"  hint: {safe_text(diag.hint)}")
    return lines


def capped(
    diagnostics: Iterable[Diagnostic], limit: int | None
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The first ``limit`` diagnostics (all when ``limit`` is None or 0) and those left out.

    >>> from jumpdsl.errorcodes import Severity
    >>> d = [Diagnostic("JD201", Severity.ERROR, str(i), None) for i in range(5)]
    >>> [x.message for x in capped(d, 2)[0]], len(capped(d, 2)[1]), len(capped(d, 0)[1])
    (['0', '1'], 3, 0)
    """
    shown = list(diagnostics)
    if not limit or len(shown) <= limit:
        return shown, []
    return shown[:limit], shown[limit:]


def left_out_line(left_out: list[Diagnostic]) -> str:
    """'… and 4,950 more errors': the line that stands for the diagnostics not shown."""
    errors = sum(d.severity is Severity.ERROR for d in left_out)
    return more_errors(errors, len(left_out) - errors)


def render_text(
    diagnostics: Iterable[Diagnostic],
    sources: Mapping[str, SourceFile],
    max_errors: int | None = None,
) -> str:
    """``path:line:col: error[JD###]: message``, the source line with a caret, notes, hint;
    past ``max_errors`` diagnostics, one line that counts the rest."""
    shown, left_out = capped(diagnostics, max_errors)
    blocks = ["\n".join(_render_one(d, sources)) for d in shown]
    if left_out:
        blocks.append(left_out_line(left_out))
    return "\n\n".join(blocks)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=2)
