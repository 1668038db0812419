"""Attribute checkers: each takes a value as the spec wrote it and returns the value to keep,
or raises :class:`jumpdsl.ops.core.AttrError` saying what it expected.

>>> size(3), size((1, 7)), padding("same"), choice("nearest", "bilinear")("nearest")
((3, 3), (1, 7), 'same', 'nearest')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from jumpdsl.ir.values import Symbol, show_value
from jumpdsl.ops.core import Attr, AttrError

__all__ = [
    "INT64_MAX",
    "SIZE_DOC",
    "amount",
    "boolean",
    "choice",
    "describe",
    "fraction",
    "natural",
    "number",
    "optional",
    "padding",
    "positive_int",
    "positive_number",
    "probability",
    "size",
    "stride_attr",
]

SIZE_DOC = "int, HxW or (h, w)"


# The largest size torch (and ONNX) can hold: every integer attribute stays under it.
INT64_MAX = 2**63 - 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value <= INT64_MAX


def _past_int64(value: Any) -> None:
    """A size no 64-bit integer holds: refused with the limit named."""
    values = value if isinstance(value, (tuple, list)) else (value,)
    if any(isinstance(v, int) and v > INT64_MAX for v in values):
        raise AttrError("a size up to 2**63 - 1 (a 64-bit integer)", show_value(value))


def positive_int(value: Any) -> int:
    _past_int64(value)
    if not _is_int(value) or value < 1:
        raise AttrError("a positive integer", show_value(value))
    return int(value)


def natural(value: Any) -> int:
    """An integer 0 or more (a first channel, a part's index)."""
    _past_int64(value)
    if not _is_int(value) or value < 0:
        raise AttrError("an integer 0 or more", show_value(value))
    return int(value)


def number(value: Any) -> float:
    """A finite number: NaN, an infinity or an integer past a float's range is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AttrError("a number", show_value(value))
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise AttrError("a finite number", show_value(value))
    return result


def positive_number(value: Any) -> float:
    """A finite number above 0 (an epsilon, a scale factor)."""
    result = number(value)
    if result <= 0:
        raise AttrError("a number above 0", show_value(value))
    return result


def fraction(value: Any) -> float:
    """A number in [0, 1] (a running average's momentum)."""
    result = number(value)
    if not 0.0 <= result <= 1.0:
        raise AttrError("a number in [0, 1]", show_value(value))
    return result


def probability(value: Any) -> float:
    p = number(value)
    if not 0.0 <= p < 1.0:
        raise AttrError("a probability in [0, 1)", show_value(value))
    return p


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise AttrError("true or false", show_value(value))
    return value


def size(value: Any) -> tuple[int, int]:
    _past_int64(value)
    if _is_int(value) and value >= 1:
        return (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_int(v) and v >= 1 for v in value)
    ):
        return (value[0], value[1])
    raise AttrError("a size such as 3, 3x3 or (1, 7)", show_value(value))


def padding(value: Any) -> str | tuple[int, int]:
    if isinstance(value, (Symbol, str)) and str(value) in ("same", "valid"):
        return str(value)
    try:
        return amount(value)
    except AttrError:
        raise AttrError(
            "same, valid or a padding such as 1 or (0, 3)", show_value(value), ("same", "valid")
        ) from None


def amount(value: Any) -> tuple[int, int]:
    """A count of pixels per side, 0 or more: ``1`` or ``(0, 3)`` (a transposed conv's padding)."""
    _past_int64(value)
    if _is_int(value) and value >= 0:
        return (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_int(v) and v >= 0 for v in value)
    ):
        return (value[0], value[1])
    raise AttrError("0 or more pixels, such as 1 or (0, 1)", show_value(value))


def choice(*choices: str) -> Callable[[Any], str]:
    """A checker accepting one of the words ``choices``."""

    def coerce(value: Any) -> str:
        if isinstance(value, (Symbol, str)) and str(value) in choices:
            return str(value)
        raise AttrError(" or ".join(choices), show_value(value), choices)

    return coerce


def describe(value: Any) -> str:
    """An attribute value as users write it (for docs and messages).

    >>> describe((3, 3)), describe("same"), describe(1e-5)
    ('3x3', 'same', '1e-05')
    """
    if isinstance(value, tuple) and len(value) == 2 and all(_is_int(v) for v in value):
        return f"{value[0]}x{value[1]}"
    if isinstance(value, (Symbol, str)):
        return str(value)
    return show_value(value)


def optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``check``, letting None (an attribute's "not given") through."""
    return lambda value: None if value is None else check(value)


def stride_attr(doc: str = "step of the window (default: the kernel size)") -> Attr:
    """A window's stride, which defaults to its kernel (pools)."""
    return Attr("stride", optional(size), None, doc, SIZE_DOC, default_doc="kernel")
