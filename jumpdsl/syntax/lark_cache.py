"""A built Lark parser kept on disk between runs.

Building the LALR tables from the grammar takes about 0.2 s, as long as the rest of
``jumpdsl check`` together; loading them takes about 0.02 s. The file is named by a hash of the
grammar, the options and the Lark and Python versions, so an edited grammar or an upgraded Lark
never meets a stale parser. The folder is ``$JUMPDSL_CACHE_DIR``, else ``$XDG_CACHE_HOME/jumpdsl``
or ``~/.cache/jumpdsl``; when it cannot be read or written, the parser is simply built.
The file is a pickle in Lark's own cache format, trusted like the rest of the user's cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import lark
from lark import Lark

__all__ = ["cache_dir", "cached_lark"]


def cache_dir() -> Path:
    """Where built parsers are kept."""
    explicit = os.environ.get("JUMPDSL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "jumpdsl"


# Lark leaves these out of its own cache key and hands them over again on load: callables.
_RUNTIME_OPTIONS = ("transformer", "postlex", "lexer_callbacks", "edit_terminals", "_plugins")


def _cache_file(grammar: str, options: dict[str, Any]) -> Path:
    kept = sorted((k, repr(v)) for k, v in options.items() if k not in _RUNTIME_OPTIONS)
    key = repr((grammar, kept, lark.__version__, sys.version_info[:2]))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return cache_dir() / f"parser-{digest}.lark"


def cached_lark(grammar: str, **options: Any) -> Lark:
    """``Lark(grammar, parser="lalr", **options)``, loaded from the cache when built before.

    Lark's own ``cache=`` option saves and loads: it checks a hash stored in the file and
    rebuilds on any failure to load, so a file half-written by a parallel run costs time only.

    >>> parser = cached_lark('start: "a"+', propagate_positions=True)
    >>> parser.options.propagate_positions, len(parser.parse("aaa").children)
    (True, 0)
    """
    path = _cache_file(grammar, options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # no usable cache folder: stay correct, only slower
        return Lark(grammar, parser="lalr", **options)
    return Lark(grammar, parser="lalr", cache=str(path), **options)
