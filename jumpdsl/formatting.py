"""``jumpdsl fmt`` as a library call: format a file's text and prove nothing but layout changed."""

from __future__ import annotations

from dataclasses import dataclass

from jumpdsl.diagnostics import Diagnostic, DiagnosticSink
from jumpdsl.source import SourceFile
from jumpdsl.syntax import ast
from jumpdsl.syntax.parser import parse
from jumpdsl.syntax.printer import format_module

__all__ = ["Formatted", "FormatterBug", "format_source"]


class FormatterBug(Exception):
    """The formatted text would mean something else, or lose a comment: never written."""


@dataclass(frozen=True)
class Formatted:
    text: str | None  # None when the input has syntax errors
    changed: bool
    diagnostics: list[Diagnostic]


def _parse(source: SourceFile) -> tuple[ast.Module | None, list[ast.Comment], DiagnosticSink]:
    sink = DiagnosticSink()
    comments: list[ast.Comment] = []
    return parse(source, sink, comments), comments, sink


def format_source(source: SourceFile) -> Formatted:
    """Canonical text for ``source``, checked: it parses to the same tree, keeps every
    comment and formats to itself.

    >>> f = format_source(SourceFile("t.jnet", "network T{input [3,8,8]}"))
    >>> f.changed, f.text
    (True, 'network T {\\n    input [3, 8, 8]\\n}\\n')
    """
    module, comments, sink = _parse(source)
    if module is None:
        return Formatted(None, False, sink.sorted())
    text = format_module(module, comments)
    again, again_comments, _again_sink = _parse(SourceFile(source.path, text))
    if again is None:
        raise FormatterBug(f"{source.path}: the formatted text does not parse")
    if ast.structure(again) != ast.structure(module):
        raise FormatterBug(f"{source.path}: formatting would change the program")
    if [c.text for c in again_comments] != [c.text for c in comments]:
        raise FormatterBug(f"{source.path}: formatting would lose or reorder a comment")
    if format_module(again, again_comments) != text:
        raise FormatterBug(f"{source.path}: formatting is not stable")
    return Formatted(text, text != source.text, sink.sorted())
