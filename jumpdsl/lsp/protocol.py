"""The library's values as LSP types (``lsprotocol``): ranges in the agreed encoding,
diagnostics with their notes as related information, hovers, locations, completions,
signatures, symbols, folding ranges, edits and quick fixes.

A diagnostic whose span is in another file (an error inside a used file's template) is shown
on this file where it points here (a note at the call that made the instance), else at the
``use`` that brought the file in, with the real place as related information.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lsprotocol import types as T
from pygls.uris import from_fs_path

from jumpdsl.diagnostics import Diagnostic
from jumpdsl.errorcodes import Severity
from jumpdsl.lsp.analysis import Analysis
from jumpdsl.lsp.completion import Completion
from jumpdsl.lsp.definitions import Location
from jumpdsl.lsp.fixes import Fix
from jumpdsl.lsp.formatting import Edit
from jumpdsl.lsp.index import span_key
from jumpdsl.lsp.outline import Symbol
from jumpdsl.lsp.positions import from_units, to_units
from jumpdsl.lsp.signatures import Signature
from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = [
    "Lines",
    "code_action",
    "completion_item",
    "diagnostics",
    "document_symbol",
    "folding_range",
    "location",
    "position_of",
    "signature_help",
    "text_edit",
    "to_range",
    "uri",
]

# The text of a line (1-based) of a file, for the conversions.
Lines = Callable[[Path, int], str]


def uri(file: Path) -> str:
    return from_fs_path(str(file)) or file.as_uri()


def to_range(file: Path, span: Span, lines: Lines, encoding: str) -> T.Range:
    start = T.Position(span.line - 1, to_units(lines(file, span.line), span.column, encoding))
    end_column = max(span.end_column, 1)
    end = T.Position(span.end_line - 1, to_units(lines(file, span.end_line), end_column, encoding))
    return T.Range(start, end)


def position_of(position: T.Position, line_text: str, encoding: str) -> tuple[int, int]:
    """An LSP position as a 1-based (line, column in code points)."""
    return position.line + 1, from_units(line_text, position.character, encoding)


def location(loc: Location, lines: Lines, encoding: str) -> T.Location:
    return T.Location(uri(loc.file), to_range(loc.file, loc.span, lines, encoding))


# ------------------------------------------------------------ diagnostics

_SEVERITY = {
    Severity.ERROR: T.DiagnosticSeverity.Error,
    Severity.WARNING: T.DiagnosticSeverity.Warning,
}


def _uses(analysis: Analysis) -> dict[Path, Span]:
    """Where this file brings in each file it uses (directly)."""
    module = analysis.checked.modules.get(analysis.checked.path)
    found: dict[Path, Span] = {}
    if module is None:
        return found
    for item in module.items:
        if isinstance(item, ast.Use):
            for shown, file in analysis.files.items():
                if shown == item.path or shown.endswith(item.path.removeprefix("./")):
                    found.setdefault(file, item.span)
    return found


def _place(analysis: Analysis, diag: Diagnostic) -> Span:
    """Where in this file to show ``diag``: its span, else the template call here that made
    the instance it is in, else any note here, else the ``use`` of its file."""
    here = analysis.checked.path
    if diag.span is not None and diag.span.path == here:
        return diag.span
    notes = [label.span for label in diag.labels if label.span.path == here]
    for span in notes:
        if span_key(analysis.file, span) in analysis.index.calls:
            return span
    if notes:
        return notes[0]
    uses = _uses(analysis)
    if diag.span is not None:
        file = analysis.file_of(diag.span.path)
        if file in uses:
            return uses[file]
    first = next(iter(uses.values()), None)
    return first or Span(here, 1, 1, 1, 1)


def diagnostics(analysis: Analysis, lines: Lines, encoding: str) -> list[T.Diagnostic]:
    """The analysis's diagnostics, for the document it is of."""
    out: list[T.Diagnostic] = []
    for diag in analysis.checked.diagnostics:
        place = _place(analysis, diag)
        related = [
            T.DiagnosticRelatedInformation(
                location(Location(analysis.file_of(lb.span.path), lb.span), lines, encoding),
                lb.message,
            )
            for lb in diag.labels
            if lb.span != place
        ]
        if diag.span is not None and diag.span != place:
            where = Location(analysis.file_of(diag.span.path), diag.span)
            related.insert(
                0, T.DiagnosticRelatedInformation(location(where, lines, encoding), diag.message)
            )
        message = diag.message + (f"\nhint: {diag.hint}" if diag.hint else "")
        out.append(
            T.Diagnostic(
                to_range(analysis.file, place, lines, encoding),
                message,
                severity=_SEVERITY[diag.severity],
                code=diag.code,
                source="jumpdsl",
                related_information=related or None,
            )
        )
    return out


# ------------------------------------------------------------ features

_KINDS = {
    "op": T.CompletionItemKind.Function,
    "template": T.CompletionItemKind.Class,
    "keyword": T.CompletionItemKind.Keyword,
    "constant": T.CompletionItemKind.Constant,
    "parameter": T.CompletionItemKind.Variable,
    "variable": T.CompletionItemKind.Variable,
    "attribute": T.CompletionItemKind.Property,
    "merge": T.CompletionItemKind.Operator,
    "tensor": T.CompletionItemKind.Reference,
    "file": T.CompletionItemKind.File,
}


def completion_item(item: Completion) -> T.CompletionItem:
    doc = T.MarkupContent(T.MarkupKind.Markdown, item.doc) if item.doc else None
    return T.CompletionItem(
        item.label,
        kind=_KINDS.get(item.kind, T.CompletionItemKind.Text),
        detail=item.detail or None,
        documentation=doc,
        insert_text=item.insert,
    )


def signature_help(sig: Signature) -> T.SignatureHelp:
    params = [
        T.ParameterInformation(
            label=offsets,
            documentation=T.MarkupContent(T.MarkupKind.Markdown, doc) if doc else None,
        )
        for offsets, doc in zip(sig.offsets, sig.docs, strict=True)
    ]
    info = T.SignatureInformation(
        sig.label,
        documentation=T.MarkupContent(T.MarkupKind.Markdown, sig.doc) if sig.doc else None,
        parameters=params,
        active_parameter=sig.active,
    )
    return T.SignatureHelp([info], active_signature=0, active_parameter=sig.active)


_SYMBOLS = {
    "network": T.SymbolKind.Module,
    "block": T.SymbolKind.Class,
    "group": T.SymbolKind.Class,
    "section": T.SymbolKind.Namespace,
    "parameter": T.SymbolKind.Variable,
    "defaults": T.SymbolKind.Property,
    "call": T.SymbolKind.Object,
    "function": T.SymbolKind.Function,
}


def document_symbol(file: Path, symbol: Symbol, lines: Lines, encoding: str) -> T.DocumentSymbol:
    return T.DocumentSymbol(
        symbol.name,
        _SYMBOLS[symbol.kind],
        to_range(file, symbol.span, lines, encoding),
        to_range(file, symbol.name_span, lines, encoding),
        detail=symbol.detail or None,
        children=[document_symbol(file, c, lines, encoding) for c in symbol.children] or None,
    )


def folding_range(fold: tuple[int, int, str]) -> T.FoldingRange:
    start, end, kind = fold
    return T.FoldingRange(
        start - 1,
        end - 1,
        kind=T.FoldingRangeKind.Comment if kind == "comment" else T.FoldingRangeKind.Region,
    )


def text_edit(file: Path, edit: Edit, lines: Lines, encoding: str) -> T.TextEdit:
    return T.TextEdit(to_range(file, edit.span, lines, encoding), edit.text)


def code_action(
    fix: Fix, diagnostic: T.Diagnostic | None, lines: Lines, encoding: str
) -> T.CodeAction:
    changes: dict[str, list[T.TextEdit]] = {}
    for file, edit in fix.edits:
        changes.setdefault(uri(file), []).append(text_edit(file, edit, lines, encoding))
    return T.CodeAction(
        fix.title,
        kind=T.CodeActionKind.QuickFix,
        diagnostics=[diagnostic] if diagnostic is not None else None,
        is_preferred=fix.preferred,
        edit=T.WorkspaceEdit(changes=changes),
    )
