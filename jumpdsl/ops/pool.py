"""Pooling: windows (max, average) and global (over all of H×W)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import SIZE_DOC, boolean, padding, size, stride_attr
from jumpdsl.ops.core import (
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Reference,
    Shape,
    ShapeError,
    ShapeRule,
    TorchBuilder,
    with_aliases,
)
from jumpdsl.ops.rules import label_size, need_map, padding_pair, window_label, window_out

__all__ = ["OPS"]

_WINDOW = (
    Attr("kernel", size, (2, 2), "window size", SIZE_DOC),
    stride_attr(),
    Attr("padding", padding, "valid", "same, valid or explicit", "same | valid | int | (h, w)"),
    Attr(
        "ceil_mode",
        boolean,
        False,
        "round the window count up (PyTorch's ceil_mode): a last, partial window at the "
        "bottom and right, kept only when it starts inside the input or its left padding",
        "bool",
    ),
)
_COUNT_INCLUDE_PAD = Attr(
    "count_include_pad",
    boolean,
    True,
    "divide by the whole window, padding included (PyTorch's default), or by the input "
    "cells in it only (false)",
    "bool",
)
_WINDOW_DOC = (
    "C×H×W → C×H'×W', H' = ⌊(H + 2p − k) / s⌋ + 1, s = stride (default: kernel); ceil_mode: "
    "⌈(H + 2p − k) / s⌉ + 1, less 1 when (H' − 1)·s ≥ H + p; p ≤ k / 2"
)


def _window_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        _padding_fits(op, a)
        height, width = window_out(op, ins[0], a)
        return (ins[0][0], height, width)

    return rule


def _padding_fits(op: str, a: Attrs) -> None:
    """PyTorch pads a pool by at most half its window (a window of padding alone has no max)."""
    (ph, pw), (kh, kw) = padding_pair(a), a["kernel"]
    if ph > kh // 2 or pw > kw // 2:
        raise ShapeError(
            M.POOL_PADDING_TOO_LARGE,
            op=op,
            padding=ph if ph == pw else f"({ph}, {pw})",
            kernel=label_size(a["kernel"]),
            most=kh // 2 if kh == kw else f"({kh // 2}, {kw // 2})",
        )


def _maxpool(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    stride = a["stride"] or a["kernel"]
    extra = {"ceil_mode": True} if a["ceil_mode"] else {}
    return em.call(em.F.max_pool2d, xs[0], a["kernel"], stride, padding_pair(a), **extra)


def _avgpool(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    stride = a["stride"] or a["kernel"]
    extra = {key: a[key] for key, default in _AVG_DEFAULTS.items() if a[key] != default}
    return em.call(em.F.avg_pool2d, xs[0], a["kernel"], stride, padding_pair(a), **extra)


# Written out only when not PyTorch's default, so that exports stay as they were.
_AVG_DEFAULTS = {"ceil_mode": False, "count_include_pad": True}


def _label(name: str) -> Callable[[Attrs], str]:
    def label(a: Attrs) -> str:
        extra = []
        if a["ceil_mode"]:
            extra.append("ceil")
        if not a.get("count_include_pad", True):
            extra.append("pad not counted")
        return window_label(name, a, ", ".join(extra))

    return label


# ---------------------------------------------------------------- plain-torch references
# A window op done by hand: pad the input (left/top by p, right/bottom by p plus what the
# last, partial window of ceil_mode needs), cut every window out as a column with unfold.


def _windows(t: Any, x: Any, kernel: int, stride: int, pad: int, out: int, fill: float) -> Any:
    """Every k×k window of ``x`` (square, ``out``×``out`` windows) as a column:
    N×C×(k·k)×(out·out), cells outside the input filled with ``fill``."""
    n, c, h, _ = x.shape
    extra = max((out - 1) * stride + kernel - h - 2 * pad, 0)
    padded = t.F.pad(x, (pad, pad + extra, pad, pad + extra), value=fill)
    return t.F.unfold(padded, kernel, stride=stride).view(n, c, kernel * kernel, -1)


def _counted(t: Any, x: Any, kernel: int, stride: int, pad: int, out: int, with_pad: bool) -> Any:
    """What each window's mean divides by: its input cells, and its padding cells when
    ``with_pad`` (PyTorch never counts what lies past the right padding)."""
    h = x.shape[2]
    inside = t.torch.ones(1, 1, h, h, dtype=x.dtype)
    cells = t.F.pad(inside, (pad, pad, pad, pad), value=1.0 if with_pad else 0.0)
    return _windows(t, cells, kernel, stride, 0, out, 0.0).sum(2)


def _max_reference(kernel: int, stride: int, pad: int, out: int) -> Reference:
    def reference(t: Any, x: Any, w: Any) -> Any:
        columns = _windows(t, x, kernel, stride, pad, out, float("-inf")).amax(2)
        return columns.view(*x.shape[:2], out, out)

    return reference


def _avg_reference(kernel: int, stride: int, pad: int, out: int, with_pad: bool) -> Reference:
    def reference(t: Any, x: Any, w: Any) -> Any:
        sums = _windows(t, x, kernel, stride, pad, out, 0.0).sum(2)
        # The divisor map has the padding as part of its input, so it pads nothing more.
        divisor = _counted(t, x, kernel, stride, pad, out, with_pad)
        return (sums / divisor).view(*x.shape[:2], out, out)

    return reference


# ceil_mode: 3×3 windows at stride 2 over 10 rows: floor 4; ceil 5, the last over rows 8, 9
# and one past the input. 2×2 windows, stride 2, padding 1 over 9 rows: ceil would make 6, but
# the 6th would start at padded row 10 ≥ 9 + 1, in the right padding alone: 5. The mean of a
# window past the input divides by the cells it holds (up to the right padding), not by k·k.
_MAX_EXAMPLES = (
    Example("maxpool(3, stride=2, padding=1)", (3, 9, 9), _max_reference(3, 2, 1, 5)),
    Example("maxpool(3, stride=2, ceil_mode=true)", (3, 10, 10), _max_reference(3, 2, 0, 5)),
    Example("maxpool(2, ceil_mode=true, padding=1)", (3, 9, 9), _max_reference(2, 2, 1, 5)),
)
_AVG_EXAMPLES = (
    Example("avgpool(3, stride=2, padding=1)", (3, 9, 9), _avg_reference(3, 2, 1, 5, True)),
    Example(
        "avgpool(3, stride=2, padding=1, count_include_pad=false)",
        (3, 9, 9),
        _avg_reference(3, 2, 1, 5, False),
    ),
    Example("avgpool(3, stride=2, ceil_mode=true)", (3, 8, 8), _avg_reference(3, 2, 0, 4, True)),
    Example(
        "avgpool(3, stride=2, padding=1, ceil_mode=true)",
        (3, 10, 10),
        _avg_reference(3, 2, 1, 6, True),
    ),
    Example(
        "avgpool(3, stride=2, padding=1, ceil_mode=true, count_include_pad=false)",
        (3, 10, 10),
        _avg_reference(3, 2, 1, 6, False),
    ),
)


def _global_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        need_map(op, ins[0])
        return (ins[0][0], 1, 1) if a["keepdims"] else (ins[0][0],)

    return rule


def _gap(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("mean", xs[0], (2, 3), a["keepdims"])


def _gmp(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("amax", xs[0], (2, 3), a["keepdims"])


_KEEPDIMS = Attr("keepdims", boolean, False, "keep H and W as 1×1", "bool")


def _global_examples(op: str, pool: str) -> tuple[Example, ...]:
    def flat(t: Any, x: Any, w: Any) -> Any:
        return getattr(t.F, pool)(x, 1).flatten(1)

    def kept(t: Any, x: Any, w: Any) -> Any:
        return getattr(t.F, pool)(x, 1)

    return (Example(op, (3, 5, 4), flat), Example(f"{op}(keepdims=true)", (3, 5, 4), kept))


def _window_op(
    name: str, doc: str, build: TorchBuilder, attrs: tuple[Attr, ...], examples: tuple[Example, ...]
) -> Op:
    return Op(
        name,
        doc,
        _window_shape(name),
        build,
        attrs,
        shape_doc=_WINDOW_DOC,
        label=_label(name),
        examples=examples,
    )


OPS: tuple[Op, ...] = (
    _window_op("maxpool", "Max pooling.", _maxpool, _WINDOW, _MAX_EXAMPLES),
    _window_op(
        "avgpool",
        "Average pooling (the mean over each window; see count_include_pad for its padding).",
        _avgpool,
        (*_WINDOW, _COUNT_INCLUDE_PAD),
        _AVG_EXAMPLES,
    ),
    Op(
        "gap",
        "Global average pooling: C×H×W → C (or C×1×1 with keepdims=true).",
        _global_shape("gap"),
        _gap,
        (_KEEPDIMS,),
        shape_doc="C×H×W → C (keepdims: C×1×1)",
        label=lambda a: "global avg pool",
        examples=_global_examples("gap", "adaptive_avg_pool2d"),
    ),
    Op(
        "gmp",
        "Global max pooling: C×H×W → C (or C×1×1 with keepdims=true).",
        _global_shape("gmp"),
        _gmp,
        (_KEEPDIMS,),
        shape_doc="C×H×W → C (keepdims: C×1×1)",
        label=lambda a: "global max pool",
        examples=_global_examples("gmp", "adaptive_max_pool2d"),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    maxpool=("maxpool2d", "maxpooling2d", "maxpooling"),
    avgpool=("avgpool2d", "averagepooling2d", "avgpooling2d"),
    gap=(
        "adaptiveavgpool2d",
        "globalaveragepooling2d",
        "globalavgpool2d",
        "globalavgpool",
        "globalaveragepooling",
    ),
    gmp=("adaptivemaxpool2d", "globalmaxpooling2d", "globalmaxpool2d"),
)
