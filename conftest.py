"""pytest at the root: without the ``lsp`` extra, the two modules that import it are not
imported for their doctests (tests/test_lsp.py skips itself then too)."""

from __future__ import annotations

import importlib.util

collect_ignore: list[str] = []
if importlib.util.find_spec("pygls") is None or importlib.util.find_spec("lsprotocol") is None:
    collect_ignore += ["jumpdsl/lsp/server.py", "jumpdsl/lsp/protocol.py"]
