"""Element-wise activations, and softmax over channels."""

from __future__ import annotations

import math
from typing import Any

from jumpdsl.ops.core import Attrs, Emitter, Example, Op, Reference, Shape, same_shape, with_aliases
from jumpdsl.ops.rules import is_tokens

__all__ = ["OPS"]


def _activation(
    name: str,
    doc: str,
    owner: str,
    fn: str,
    reference: Reference,
    in_place: str | None = None,
    more: Example | None = None,
) -> Op:
    """An element-wise activation: no attributes, shape unchanged; ``owner`` is torch or F."""

    def build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
        return em.call(getattr(getattr(em, owner), fn), xs[0])

    examples: tuple[Example, ...] = (
        Example(name, (3, 4, 4), reference),
        Example(name, (5,), reference),
    )
    if more is not None:
        examples += (more,)
    return Op(
        name,
        doc,
        same_shape,
        build,
        shape_doc="any → same",
        in_place=in_place,
        examples=examples,
    )


def _relu6(t: Any, x: Any) -> Any:
    return x.clamp(0, 6)


def _softmax_build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # Over the channels: axis 1 of a map or a vector, the last of tokens.
    return em.call(em.torch.softmax, xs[0], -1 if is_tokens(ins[0]) else 1)


def _softmax_reference(t: Any, x: Any, w: Any) -> Any:
    e = t.torch.exp(x - x.amax(1, keepdim=True))
    return e / e.sum(1, keepdim=True)


OPS: tuple[Op, ...] = (
    _activation(
        "relu",
        "max(x, 0)",
        "torch",
        "relu",
        lambda t, x, w: x.clamp(min=0),
        in_place="relu_",
        # After a sum (a fresh tensor that nothing else reads) ReLU works in place.
        more=Example(
            "branch add { { } { tanh } } relu",
            (3, 4, 4),
            lambda t, x, w: (x + t.torch.tanh(x)).clamp(min=0),
        ),
    ),
    _activation("relu6", "min(max(x, 0), 6)", "F", "relu6", lambda t, x, w: _relu6(t, x)),
    _activation(
        "gelu",
        "Gaussian error linear unit",
        "F",
        "gelu",
        lambda t, x, w: 0.5 * x * (1 + t.torch.erf(x / math.sqrt(2))),
    ),
    _activation(
        "silu", "x·sigmoid(x) (swish)", "F", "silu", lambda t, x, w: x / (1 + t.torch.exp(-x))
    ),
    _activation(
        "sigmoid", "1 / (1 + e^-x)", "torch", "sigmoid", lambda t, x, w: 1 / (1 + t.torch.exp(-x))
    ),
    _activation(
        "hardswish",
        "x·relu6(x + 3) / 6",
        "F",
        "hardswish",
        lambda t, x, w: x * _relu6(t, x + 3) / 6,
    ),
    _activation(
        "hardsigmoid",
        "relu6(x + 3) / 6",
        "F",
        "hardsigmoid",
        lambda t, x, w: _relu6(t, x + 3) / 6,
    ),
    _activation(
        "tanh",
        "hyperbolic tangent",
        "torch",
        "tanh",
        lambda t, x, w: 1 - 2 / (t.torch.exp(2 * x) + 1),
    ),
    Op(
        "softmax",
        "Softmax over channels.",
        same_shape,
        _softmax_build,
        shape_doc="any → same",
        probabilities=True,
        examples=(
            Example("softmax", (4, 3, 3), _softmax_reference),
            Example("softmax", (5,), _softmax_reference),
        ),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    silu=("swish",),
)
