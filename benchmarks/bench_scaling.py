"""Generated specs of a chosen size, for the front end's scaling series.

``spec_text(n)`` writes a network of about ``n`` layers out in full: one line per bottleneck
block call (a template of 10 layers and a skip) and written-out layer lines between them, so
parsing, template expansion, merges and the shape pass all grow with ``n``.
"""

from __future__ import annotations

__all__ = ["spec_text"]

_HEAD = """\
block Unit(f: int) {
    bn relu conv(f, 1x1)
    bn relu conv(f, 3x3)
    bn relu conv(f, 1x1)
    skip add
}

network Big {
    input [3, 16, 16]
    defaults { conv.bias = false }
    stem { conv(16, 3x3) bn relu }
    learner {
"""
_TAIL = """\
    }
    task { gap dense(10) }
}
"""
# Per stanza: a Unit call (10 layers) and a written-out bn relu conv (3 layers).
_STANZA = "        Unit(16)\n        bn relu conv(16, 3x3)\n"
_STANZA_LAYERS = 13
_FIXED_LAYERS = 6  # input, the stem's three layers, gap, dense


def spec_text(layers: int) -> str:
    """A valid spec with ``layers`` nodes, give or take one stanza (13 layers).

    >>> from jumpdsl.api import check_text
    >>> len(check_text(spec_text(100)).graph)
    97
    """
    stanzas = max(1, round((layers - _FIXED_LAYERS) / _STANZA_LAYERS))
    return _HEAD + _STANZA * stanzas + _TAIL
