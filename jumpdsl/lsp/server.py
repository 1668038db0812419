"""The language server: the protocol wiring (pygls over stdio), and nothing else. Each
handler converts the request's positions, asks the library (:mod:`jumpdsl.lsp`) and converts
its answer back.

Documents are synchronised incrementally; every change is checked at once (JumpNet-152 checks
in about 15 ms, see ``benchmarks/bench_lsp.py``), and the diagnostics of the document and of
the open documents that use it are published again.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from jumpdsl import __version__
from jumpdsl.fileio import read_bounded
from jumpdsl.lsp import protocol as P
from jumpdsl.lsp.analysis import Analysis, Workspace
from jumpdsl.lsp.completion import complete
from jumpdsl.lsp.definitions import Location, definition, references
from jumpdsl.lsp.fixes import fixes
from jumpdsl.lsp.formatting import format_edit
from jumpdsl.lsp.hover import hover
from jumpdsl.lsp.locate import names_of
from jumpdsl.lsp.outline import folds, symbols
from jumpdsl.lsp.signatures import call_at, is_op, op_signature, template_signature
from jumpdsl.source import SourceFile
from jumpdsl.syntax import ast

__all__ = ["JnetServer", "build_server"]

_ENCODINGS = {
    T.PositionEncodingKind.Utf8: "utf-8",
    T.PositionEncodingKind.Utf16: "utf-16",
    T.PositionEncodingKind.Utf32: "utf-32",
}


@lru_cache(maxsize=64)
def _disk_lines(file: Path, stamp: float) -> tuple[str, ...]:
    try:
        return tuple(read_bounded(file).decode("utf-8").split("\n"))
    except (OSError, ValueError):  # unreadable, not a regular file, too large, not UTF-8
        return ()


class JnetServer(LanguageServer):
    """pygls' server with the open documents' analyses."""

    def __init__(self) -> None:
        super().__init__("jumpdsl", __version__)
        self.jnet = Workspace()

    @property
    def encoding(self) -> str:
        agreed = self.workspace.position_encoding
        return (
            _ENCODINGS.get(agreed, "utf-16")
            if isinstance(agreed, T.PositionEncodingKind)
            else (agreed or "utf-16")
        )

    def line(self, file: Path, line: int) -> str:
        """A 1-based line of a file, as the editor has it (or as on disk)."""
        if file in self.jnet.texts:
            lines = self.jnet.texts[file][0].split("\n")
        else:
            try:
                lines = list(_disk_lines(file, file.stat().st_mtime))
            except OSError:
                lines = []
        return lines[line - 1].rstrip("\r") if 1 <= line <= len(lines) else ""

    def at(self, doc: T.TextDocumentIdentifier, position: T.Position) -> tuple[Path, int, int]:
        file = _file(doc.uri)
        line, column = P.position_of(position, self.line(file, position.line + 1), self.encoding)
        return file, line, column

    def publish(self, files: list[Path]) -> None:
        for file in files:
            if file not in self.jnet.texts:
                continue
            analysis = self.jnet.analysis(file)
            found = P.diagnostics(analysis, self.line, self.encoding)
            self.text_document_publish_diagnostics(
                T.PublishDiagnosticsParams(P.uri(file), found, analysis.version)
            )

    def locations(self, found: list[Location]) -> list[T.Location]:
        return [P.location(loc, self.line, self.encoding) for loc in found]


def _file(uri: str) -> Path:
    path = to_fs_path(uri)
    return Path(path).resolve() if path else Path(uri)


def _did_open(ls: JnetServer, params: T.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.publish(ls.jnet.update(_file(doc.uri), doc.text, doc.version))


def _did_change(ls: JnetServer, params: T.DidChangeTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    stale = ls.jnet.update(_file(doc.uri), doc.source, params.text_document.version)
    ls.publish(stale)


def _did_close(ls: JnetServer, params: T.DidCloseTextDocumentParams) -> None:
    file = _file(params.text_document.uri)
    stale = ls.jnet.close(file)
    ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(P.uri(file), []))
    ls.publish(stale)


def _on_hover(ls: JnetServer, params: T.HoverParams) -> T.Hover | None:
    file, line, column = ls.at(params.text_document, params.position)
    found = hover(ls.jnet, file, line, column)
    if found is None:
        return None
    content = T.MarkupContent(T.MarkupKind.Markdown, found.text)
    return T.Hover(content, P.to_range(file, found.span, ls.line, ls.encoding))


def _on_definition(ls: JnetServer, params: T.DefinitionParams) -> list[T.Location]:
    return ls.locations(definition(ls.jnet, *ls.at(params.text_document, params.position)))


def _on_references(ls: JnetServer, params: T.ReferenceParams) -> list[T.Location]:
    file, line, column = ls.at(params.text_document, params.position)
    found = references(ls.jnet, file, line, column, params.context.include_declaration)
    return ls.locations(found)


def _on_completion(ls: JnetServer, params: T.CompletionParams) -> T.CompletionList:
    items = complete(ls.jnet, *ls.at(params.text_document, params.position))
    return T.CompletionList(False, [P.completion_item(i) for i in items])


def _on_signature(ls: JnetServer, params: T.SignatureHelpParams) -> T.SignatureHelp | None:
    file, line, column = ls.at(params.text_document, params.position)
    call = call_at(ls.line(file, line), column)
    if call is None:
        return None
    callee, index, keyword = call
    if is_op(callee):
        sig = op_signature(callee)
    else:
        read = names_of(ls.jnet, file)
        templates = read[0].templates() if read else {}
        if callee not in templates:
            return None
        analysis = read[0] if read else None
        where = analysis.file_of(templates[callee].span.path) if analysis else None
        source = analysis.source(where) if analysis and where else None
        sig = template_signature(templates[callee], source)
    return P.signature_help(sig.at(index, keyword))


def _parsed(ls: JnetServer, uri: str) -> tuple[Path, Analysis, ast.Module] | None:
    """The open document's file, its analysis and its parsed module (None before a parse)."""
    file = _file(uri)
    read = names_of(ls.jnet, file)
    if read is None:
        return None
    analysis = read[0]
    module = analysis.checked.modules.get(analysis.checked.path)
    return None if module is None else (file, analysis, module)


def _on_symbols(ls: JnetServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    parsed = _parsed(ls, params.text_document.uri)
    if parsed is None:
        return []
    file, analysis, module = parsed
    found = symbols(module, analysis.templates())
    return [P.document_symbol(file, s, ls.line, ls.encoding) for s in found]


def _on_folding(ls: JnetServer, params: T.FoldingRangeParams) -> list[T.FoldingRange]:
    parsed = _parsed(ls, params.text_document.uri)
    if parsed is None:
        return []
    _, analysis, module = parsed
    source = analysis.checked.sources.get(analysis.checked.path)
    return [] if source is None else [P.folding_range(f) for f in folds(module, source)]


def _on_format(ls: JnetServer, params: T.DocumentFormattingParams) -> list[T.TextEdit]:
    file = _file(params.text_document.uri)
    text = ls.jnet.texts.get(file, ("", None))[0]
    edit = format_edit(SourceFile(str(file), text))
    return [] if edit is None else [P.text_edit(file, edit, ls.line, ls.encoding)]


def _on_code_action(ls: JnetServer, params: T.CodeActionParams) -> list[T.CodeAction]:
    file = _file(params.text_document.uri)
    analysis = ls.jnet.analysis(file)
    published = P.diagnostics(analysis, ls.line, ls.encoding)
    by_index = dict(zip(analysis.checked.diagnostics, published, strict=True))
    wanted = params.range
    out = []
    for fix in fixes(analysis):
        shown = by_index.get(fix.diagnostic)
        if shown is None or not _overlaps(shown.range, wanted):
            continue
        out.append(P.code_action(fix, shown, ls.line, ls.encoding))
    return out


# (LSP method, its server options, the handler): what the server answers
_FEATURES: list[tuple[str, Any, Any]] = [
    (T.TEXT_DOCUMENT_DID_OPEN, None, _did_open),
    (T.TEXT_DOCUMENT_DID_CHANGE, None, _did_change),
    (T.TEXT_DOCUMENT_DID_CLOSE, None, _did_close),
    (T.TEXT_DOCUMENT_HOVER, None, _on_hover),
    (T.TEXT_DOCUMENT_DEFINITION, None, _on_definition),
    (T.TEXT_DOCUMENT_REFERENCES, None, _on_references),
    (
        T.TEXT_DOCUMENT_COMPLETION,
        T.CompletionOptions(trigger_characters=[".", '"', "/", "("]),
        _on_completion,
    ),
    (
        T.TEXT_DOCUMENT_SIGNATURE_HELP,
        T.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
        _on_signature,
    ),
    (T.TEXT_DOCUMENT_DOCUMENT_SYMBOL, None, _on_symbols),
    (T.TEXT_DOCUMENT_FOLDING_RANGE, None, _on_folding),
    (T.TEXT_DOCUMENT_FORMATTING, None, _on_format),
    (
        T.TEXT_DOCUMENT_CODE_ACTION,
        T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix]),
        _on_code_action,
    ),
]


def build_server() -> JnetServer:
    """A server with every feature registered; ``start_io()`` runs it."""
    server = JnetServer()
    for feature, options, handler in _FEATURES:
        server.feature(feature, options)(handler)
    return server


def _overlaps(a: T.Range, b: T.Range) -> bool:
    def key(p: T.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
