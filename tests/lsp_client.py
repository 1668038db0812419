"""A real LSP client for the tests: pygls' LanguageClient talking to ``python -m jumpdsl lsp``
in a subprocess over stdio, with blocking calls (one event loop per session)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

ROOT = Path(__file__).resolve().parent.parent
X = TypeVar("X")


def uri(path: Path) -> str:
    return from_fs_path(str(path.resolve())) or path.resolve().as_uri()


class Session:
    """One server, initialised; documents opened and changed by path."""

    def __init__(self, encodings: list[str] | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = LanguageClient("jumpdsl-tests", "1")
        self.diagnostics: dict[str, list[T.Diagnostic]] = {}
        self.published: dict[str, int] = {}
        self.versions: dict[str, int] = {}

        @self.client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: T.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = params.diagnostics
            self.published[params.uri] = self.published.get(params.uri, 0) + 1

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.run(self.client.start_io(sys.executable, "-m", "jumpdsl", "lsp", env=env, cwd=ROOT))
        general = T.GeneralClientCapabilities(position_encodings=encodings) if encodings else None
        capabilities = T.ClientCapabilities(
            general=general,
            text_document=T.TextDocumentClientCapabilities(
                hover=T.HoverClientCapabilities(content_format=[T.MarkupKind.Markdown]),
            ),
        )
        params = T.InitializeParams(capabilities=capabilities, root_uri=uri(ROOT))
        self.init = self.run(self.client.initialize_async(params))
        self.client.initialized(T.InitializedParams())

    def run(self, job: Awaitable[X], timeout: float = 60) -> X:
        asyncio.set_event_loop(self.loop)  # pygls makes its request futures on this loop
        return self.loop.run_until_complete(asyncio.wait_for(job, timeout))

    def wait_until(self, ready: Callable[[], bool], timeout: float = 30) -> None:
        """Let the server's notifications in until ``ready()``."""

        async def wait() -> None:
            while not ready():
                await asyncio.sleep(0.01)

        self.run(wait(), timeout)

    def wait_diagnostics(self, path: Path, count: int) -> list[T.Diagnostic]:
        """The diagnostics of ``path`` once the server published them ``count`` times."""

        self.wait_until(lambda: self.published.get(uri(path), 0) >= count)
        return self.diagnostics[uri(path)]

    def open(self, path: Path, text: str | None = None) -> list[T.Diagnostic]:
        text = path.read_text(encoding="utf-8") if text is None else text
        key = uri(path)
        self.versions[key] = 1
        before = self.published.get(key, 0)
        item = T.TextDocumentItem(key, "jnet", 1, text)
        self.client.text_document_did_open(T.DidOpenTextDocumentParams(item))
        return self.wait_diagnostics(path, before + 1)

    def change(self, path: Path, text: str) -> list[T.Diagnostic]:
        key = uri(path)
        self.versions[key] += 1
        before = self.published.get(key, 0)
        doc = T.VersionedTextDocumentIdentifier(self.versions[key], key)
        change = T.TextDocumentContentChangeWholeDocument(text)
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(doc, [change]))
        return self.wait_diagnostics(path, before + 1)

    def edit(self, path: Path, line: int, start: int, end: int, text: str) -> list[T.Diagnostic]:
        """An incremental change of one line's characters [start, end) (0-based)."""
        key = uri(path)
        self.versions[key] += 1
        before = self.published.get(key, 0)
        doc = T.VersionedTextDocumentIdentifier(self.versions[key], key)
        where = T.Range(T.Position(line, start), T.Position(line, end))
        change = T.TextDocumentContentChangePartial(where, text)
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(doc, [change]))
        return self.wait_diagnostics(path, before + 1)

    def doc(self, path: Path) -> T.TextDocumentIdentifier:
        return T.TextDocumentIdentifier(uri(path))

    def hover(self, path: Path, line: int, character: int) -> T.Hover | None:
        params = T.HoverParams(text_document=self.doc(path), position=T.Position(line, character))
        return self.run(self.client.text_document_hover_async(params))

    def request(self, method: str, params: Any) -> Any:
        return self.run(self.client.protocol.send_request_async(method, params))

    def close(self) -> None:
        try:
            self.run(self.client.shutdown_async(None), 10)
            self.client.exit(None)
            self.run(self.client.stop(), 10)
        finally:
            self.loop.close()
            asyncio.set_event_loop(None)
