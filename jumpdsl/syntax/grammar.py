"""The grammar as shipped (``jnet.lark``) and the words it reserves."""

from __future__ import annotations

import functools
import re
from importlib import resources

__all__ = ["grammar_text", "keywords"]


def grammar_text() -> str:
    """The grammar, as shipped in the package (``jumpdsl/syntax/jnet.lark``)."""
    return resources.files("jumpdsl.syntax").joinpath("jnet.lark").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """The language's keywords, as the grammar spells them, sorted.

    >>> {"network", "skip", "repeat", "and"} <= set(keywords()), "conv" in keywords()
    (True, False)
    """
    text = grammar_text()
    words = set(re.findall(r'"([a-z]+)"', text))
    for alternatives in re.findall(r"/\(\?:([a-z|]+)\)\(\?!", text):  # /(?:skip|jump)(?!…)/
        words.update(alternatives.split("|"))
    return tuple(sorted(words))
