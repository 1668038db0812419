"""Merges (ops of several inputs: shortcuts, branches) and identity."""

from __future__ import annotations

import operator
from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.core import (
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    ShapeError,
    format_shape,
    same_shape,
    with_aliases,
)
from jumpdsl.ops.rules import need_map

__all__ = ["OPS", "crop_offset"]


def _mismatch(merge: str, ins: list[Shape], hint: str | None) -> ShapeError:
    shapes = " and ".join(format_shape(s) for s in ins)
    return ShapeError(M.MERGE_MISMATCH, hint, merge=merge, shapes=shapes)


def _projection_hint(ins: list[Shape]) -> str | None:
    shortcut, main = ins[0], ins[-1]
    if len(main) != 3 or len(shortcut) != 3:
        return None
    stride = shortcut[1] // main[1] if main[1] and shortcut[1] % main[1] == 0 else 1
    return M.projection_hint(format_shape(main), main[0], stride)


def _add_shape(ins: list[Shape], a: Attrs) -> Shape:
    if any(s != ins[0] for s in ins):
        raise _mismatch("add", ins, _projection_hint(ins))
    return ins[0]


def _broadcast_channels(ins: list[Shape]) -> Shape | None:
    """The C×H×W shape when the other inputs are per-channel (C or C×1×1), else None."""
    maps = [s for s in ins if len(s) == 3 and s[1:] != (1, 1)]
    if len(set(maps)) > 1:
        return None
    full = maps[0] if maps else ins[0]
    if len(full) != 3:  # vectors and tokens: equal shapes only
        return full if all(s == full for s in ins) else None
    for s in ins:
        if s != full and s not in ((full[0],), (full[0], 1, 1)):
            return None
    return full


def _mul_shape(ins: list[Shape], a: Attrs) -> Shape:
    shape = _broadcast_channels(ins)
    if shape is None:
        raise _mismatch("mul", ins, M.HINT_MUL_SHAPES)
    return shape


def _concat_shape(ins: list[Shape], a: Attrs) -> Shape:
    first = ins[0]
    if any(len(s) != len(first) or s[1:] != first[1:] for s in ins):
        hint = None
        if all(len(s) == 3 for s in ins):
            hint = M.concat_hint(f"{s[1]}×{s[2]}" for s in ins)
        raise _mismatch("concat", ins, hint)
    return (sum(s[0] for s in ins), *first[1:])


def _crop_shape(ins: list[Shape], a: Attrs) -> Shape:
    if len(ins) != 2:
        raise ShapeError(M.MERGE_ARITY, merge="crop", expected="two", count=len(ins))
    target, current = ins
    need_map("crop", target)
    need_map("crop", current)
    if target[1] > current[1] or target[2] > current[2]:
        raise ShapeError(
            M.CROP_TOO_LARGE, shape=format_shape(current), target=f"{target[1]}×{target[2]}"
        )
    return (current[0], *target[1:])


def crop_offset(size: int, target: int) -> int:
    """Where a centre crop starts, as torchvision's ``center_crop`` puts it: the margin
    halved and rounded as Python rounds (half to even), so an odd margin of 1 starts at 0,
    of 3 at 2.

    >>> crop_offset(64, 56), crop_offset(9, 8), crop_offset(7, 4)
    (4, 0, 2)
    """
    return round((size - target) / 2.0)


def _crop(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # The first input only gives the size (known here): the last is cut to it.
    (_, height, width), (_, big_h, big_w) = out, ins[1]
    rows = em.method("narrow", xs[1], 2, crop_offset(big_h, height), height)
    return em.method("narrow", rows, 3, crop_offset(big_w, width), width)


def _crop_reference(t: Any, x: Any, w: Any) -> Any:
    # The first arm (maxpool 2×2 of 7×9) is 3×4: the identity arm is cut to rows 2..4
    # (margin 4, top 2) and columns 2..5 (margin 5: 2.5 rounds to 2).
    return x[:, :, 2:5, 2:6]


def _identity(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return xs[0]


def _add(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    result = xs[0]
    for x in xs[1:]:
        result = em.call(operator.add, result, x)
    return result


def _mul(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    shaped = [
        em.method("view", x, -1, s[0], 1, 1) if len(s) == 1 and len(out) == 3 else x
        for x, s in zip(xs, ins, strict=False)
    ]
    result = shaped[0]
    for x in shaped[1:]:
        result = em.call(operator.mul, result, x)
    return result


def _concat(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.torch.cat, list(xs), 1)


def _relu(x: Any) -> Any:
    return x.clamp(min=0)


OPS: tuple[Op, ...] = (
    Op(
        "identity",
        "Passes its input on unchanged.",
        same_shape,
        _identity,
        shape_doc="any → same",
        examples=(Example("identity", (3, 4, 4), lambda t, x, w: x),),
    ),
    Op(
        "add",
        "Element-wise sum; all shapes equal.",
        _add_shape,
        _add,
        merge=True,
        shape_doc="all inputs equal → that shape",
        fresh=True,
        label=lambda a: "+",
        examples=(
            Example(
                "branch add { { } { relu } { tanh } }",
                (3, 4, 4),
                lambda t, x, w: x + _relu(x) + t.torch.tanh(x),
            ),
        ),
    ),
    Op(
        "mul",
        "Element-wise product; per-channel weights (C or C×1×1) scale a C×H×W map.",
        _mul_shape,
        _mul,
        merge=True,
        shape_doc="equal shapes, or C / C×1×1 with C×H×W → C×H×W",
        label=lambda a: "×",
        examples=(
            Example("branch mul { { } { relu } }", (3, 4, 4), lambda t, x, w: x * _relu(x)),
            Example(
                "branch mul { { } { gap } }",
                (3, 4, 4),
                lambda t, x, w: x * x.mean((2, 3)).view(len(x), -1, 1, 1),
            ),
            Example(
                "branch mul { { gap(keepdims=true) } { } }",
                (3, 4, 4),
                lambda t, x, w: x.mean((2, 3), keepdim=True) * x,
            ),
        ),
    ),
    Op(
        "concat",
        "Joins on channels, in order: the shortcut (or first branch) first.",
        _concat_shape,
        _concat,
        merge=True,
        shape_doc="C₁×H×W, C₂×H×W, … → (C₁+C₂+…)×H×W",
        fresh=True,
        label=lambda a: "concat",
        examples=(
            Example(
                "branch concat { { relu } { } { gap(keepdims=true) upsample(4) } }",
                (3, 4, 4),
                lambda t, x, w: t.torch.cat(
                    [_relu(x), x, x.mean((2, 3), keepdim=True).expand_as(x)], 1
                ),
            ),
        ),
    ),
    Op(
        "crop",
        "Cuts the last input (the current tensor) to the H×W of the first, about its centre "
        "as torchvision's center_crop does: `skip crop from NAME` makes it NAME's size "
        "(U-Net's skip connections).",
        _crop_shape,
        _crop,
        merge=True,
        shape_doc="C₁×h×w, C₂×H×W → C₂×h×w (h ≤ H, w ≤ W)",
        label=lambda a: "crop",
        examples=(Example("branch crop { { maxpool(2) } { } }", (2, 7, 9), _crop_reference),),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    concat=("concatenate", "cat"),
    crop=("centercrop",),
    mul=("multiply",),
)
