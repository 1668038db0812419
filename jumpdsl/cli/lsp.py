"""``jumpdsl lsp``: the language server over stdio, for editors (see docs/editor.md).

Needs the ``lsp`` extra (pygls, lsprotocol); without it, says how to install it and exits 2.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from jumpdsl.cli.common import EXIT_OK, UsageError, add_verb

__all__ = ["INSTALL", "register", "run"]

INSTALL = "pip install 'jumpdsl[lsp]'"


def register(sub: Any) -> None:
    lsp = add_verb(
        sub,
        "lsp",
        "run the language server over stdio (for editors: hovers with shapes, …)",
        "Run the language server on stdin/stdout, for an editor to start: diagnostics as you "
        "type, shapes on hover, go to definition, quick fixes (docs/editor.md). Needs the "
        "'lsp' extra: pip install 'jumpdsl[lsp]'.",
        [
            "jumpdsl lsp                # what an editor runs; see editors/ for the settings",
        ],
    )
    lsp.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from jumpdsl.lsp.server import build_server
    except ImportError as exc:
        raise UsageError(
            f"the language server needs pygls and lsprotocol ({exc}): {INSTALL}"
        ) from None
    build_server().start_io()
    return EXIT_OK
