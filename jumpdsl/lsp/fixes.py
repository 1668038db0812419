"""Quick fixes: edits for diagnostics whose fix is mechanical, made from the diagnostics' and
the graph's data (never by reading the words of a hint):

- a misspelt name (a 'did you mean' hint): replace it with each close name;
- a vector op on a feature map (a ``dense`` right after convs): put ``gap`` or ``flatten``
  before it;
- a bracket left open: close it where the diagnostic points.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jumpdsl import errorcodes as C
from jumpdsl import messages as M
from jumpdsl.diagnostics import Diagnostic
from jumpdsl.lsp.analysis import Analysis
from jumpdsl.lsp.formatting import Edit
from jumpdsl.lsp.names import word_span
from jumpdsl.passes.shapes import Shapes
from jumpdsl.source import Span

__all__ = ["Fix", "fixes"]

_CLOSERS = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Fix:
    """A quick fix for ``diagnostic``: ``edits`` by file."""

    title: str
    diagnostic: Diagnostic
    edits: tuple[tuple[Path, Edit], ...]
    preferred: bool = False


def fixes(analysis: Analysis) -> list[Fix]:
    """Every quick fix for the analysis's diagnostics."""
    out: list[Fix] = []
    for diag in analysis.checked.diagnostics:
        if diag.span is None:
            continue
        if diag.suggestion is not None:
            out += _rename(analysis, diag)
        elif diag.code == C.MISSING_BRACKET.code:
            out += _close(analysis, diag)
    return out + _vector_first(analysis)


def _rename(analysis: Analysis, diag: Diagnostic) -> list[Fix]:
    assert diag.span is not None and diag.suggestion is not None
    source = analysis.checked.sources.get(diag.span.path)
    word = diag.suggestion.word
    if source is None:
        return []
    span = word_span(source, diag.span, word)
    if source.line_text(span.line)[span.column - 1 : span.end_column - 1] != word:
        return []
    file = analysis.file_of(span.path)
    return [
        Fix(f"Change '{word}' to '{name}'", diag, ((file, Edit(span, name)),), index == 0)
        for index, name in enumerate(diag.suggestion.names)
    ]


def _close(analysis: Analysis, diag: Diagnostic) -> list[Fix]:
    assert diag.span is not None
    for label in diag.labels:
        source = analysis.checked.sources.get(label.span.path)
        if source is None:
            continue
        opener = source.line_text(label.span.line)[label.span.column - 1 : label.span.column]
        if opener in _CLOSERS:
            at = Span(
                diag.span.path, diag.span.line, diag.span.column, diag.span.line, diag.span.column
            )
            edit = Edit(at, _CLOSERS[opener])
            return [
                Fix(f"Add '{_CLOSERS[opener]}'", diag, ((analysis.file_of(at.path), edit),), True)
            ]
    return []


def _vector_first(analysis: Analysis) -> list[Fix]:
    graph = analysis.checked.graph
    if graph is None or not graph.has(Shapes):
        return []
    reported = {(d.code, d.span): d for d in analysis.checked.diagnostics}
    out: list[Fix] = []
    for node in graph.nodes():
        failure = graph.get(Shapes, node.id).failure
        if failure is None or failure.message is not M.BAD_RANK:
            continue
        if failure.hint is not M.HINT_VECTOR_FIRST or node.span is None:
            continue
        diag = reported.get((C.BAD_RANK.code, node.span))
        if diag is None:
            continue
        at = Span(
            node.span.path, node.span.line, node.span.column, node.span.line, node.span.column
        )
        file = analysis.file_of(at.path)
        for index, op in enumerate(("gap", "flatten")):
            edit = Edit(at, f"{op} ")
            out.append(Fix(f"Add '{op}' before {node.op}", diag, ((file, edit),), index == 0))
    return out
