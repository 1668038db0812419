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

__all__ = ["OPS"]


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
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    concat=("concatenate", "cat"),
    mul=("multiply",),
)
