"""Element-wise ops: activations (some with a slope or a learnable one), a scalar added or
multiplied, and softmax over channels."""

from __future__ import annotations

import math
import operator
from typing import Any

from jumpdsl.ops.attrs import boolean, number
from jumpdsl.ops.core import (
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Reference,
    Shape,
    same_shape,
    with_aliases,
)
from jumpdsl.ops.init import init_checker
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


def _leaky_relu(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.leaky_relu, xs[0], a["negative_slope"])


def _elu(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.elu, xs[0], a["alpha"])


def _prelu_count(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return ins[0][0] if a["per_channel"] else 1


def _prelu(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # PyTorch's PReLU: its slope tensor is `weight`, one value or one per channel (axis 1).
    return em.module(em.nn.PReLU(_prelu_count(ins, out, a)), xs[0])


def _prelu_reference(t: Any, x: Any, w: Any) -> Any:
    slope = w["weight"].view(1, -1, *([1] * (x.dim() - 2))) if len(w["weight"]) > 1 else w["weight"]
    return t.torch.where(x >= 0, x, slope * x)


def _shift(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(operator.add, xs[0], a["value"])


def _scale(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(operator.mul, xs[0], a["factor"])


def _signed(value: float) -> str:
    """``3.0`` → ``'+ 3'``, ``-0.5`` → ``'− 0.5'`` (a label's sign and magnitude)."""
    return f"{'−' if value < 0 else '+'} {abs(value):g}"


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
        "leaky_relu",
        "x for x ≥ 0, negative_slope·x below (PyTorch LeakyReLU)",
        same_shape,
        _leaky_relu,
        (Attr("negative_slope", number, 0.01, "the slope below 0", "float"),),
        shape_doc="any → same",
        label=lambda a: f"leaky relu {a['negative_slope']:g}",
        examples=(
            Example(
                "leaky_relu(0.2)",
                (3, 4, 4),
                lambda t, x, w: t.torch.where(x >= 0, x, 0.2 * x),
            ),
            Example("leaky_relu", (5,), lambda t, x, w: t.torch.where(x >= 0, x, 0.01 * x)),
        ),
    ),
    Op(
        "prelu",
        "Leaky ReLU with a learnable slope below 0, one for the tensor or one per channel "
        "(PyTorch PReLU; no weight decay on the slopes, as PyTorch advises)",
        same_shape,
        _prelu,
        (
            Attr(
                "per_channel",
                boolean,
                False,
                "a slope per channel (PyTorch's num_parameters=C) instead of one",
                "bool",
            ),
            Attr(
                "init",
                init_checker(vector=True),
                0.25,
                "the slopes' initialisation: a number (PyTorch's init), or a scheme",
                "number or a scheme",
            ),
        ),
        shape_doc="any → same",
        params=_prelu_count,
        inits={"init": "weight"},
        label=lambda a: "prelu per channel" if a["per_channel"] else "prelu",
        examples=(
            Example("prelu", (3, 4, 4), _prelu_reference),
            Example("prelu(per_channel=true)", (3, 4, 4), _prelu_reference),
            Example("prelu(true, init=0.1)", (5,), _prelu_reference),
        ),
    ),
    Op(
        "elu",
        "x for x > 0, alpha·(e^x − 1) below (PyTorch ELU)",
        same_shape,
        _elu,
        (Attr("alpha", number, 1.0, "the value approached as x → −∞ is −alpha", "float"),),
        shape_doc="any → same",
        label=lambda a: "elu" if a["alpha"] == 1.0 else f"elu {a['alpha']:g}",
        examples=(
            Example("elu", (3, 4, 4), lambda t, x, w: t.torch.where(x > 0, x, t.torch.expm1(x))),
            Example(
                "elu(0.5)", (5,), lambda t, x, w: t.torch.where(x > 0, x, 0.5 * t.torch.expm1(x))
            ),
        ),
    ),
    _activation(
        "mish",
        "x·tanh(softplus(x)) (Misra 2019)",
        "F",
        "mish",
        lambda t, x, w: x * t.torch.tanh(t.torch.log1p(t.torch.exp(x))),
    ),
    Op(
        "shift",
        "Adds a constant to every element: x + value (no parameters; the `add` merge sums "
        "tensors, this adds a number). `shift(3) relu6 scale(1/6)` is hardsigmoid.",
        same_shape,
        _shift,
        (Attr("value", number, doc="the number added", type_doc="float"),),
        shape_doc="any → same",
        label=lambda a: _signed(a["value"]),
        usage="shift(3)",
        examples=(
            Example("shift(3)", (3, 4, 4), lambda t, x, w: x + 3),
            Example("shift(-0.5)", (5,), lambda t, x, w: x - 0.5),
        ),
    ),
    Op(
        "scale",
        "Multiplies every element by a constant: x · factor (no parameters; the `mul` merge "
        "multiplies tensors, `layerscale` learns a factor per channel, `upsample` resizes).",
        same_shape,
        _scale,
        (Attr("factor", number, doc="the number multiplied by", type_doc="float"),),
        shape_doc="any → same",
        label=lambda a: f"× {a['factor']:.4g}",
        usage="scale(0.5)",
        examples=(
            Example("scale(1 / 6)", (3, 4, 4), lambda t, x, w: x * (1 / 6)),
            Example("shift(3) relu6 scale(1 / 6)", (5,), lambda t, x, w: t.F.hardsigmoid(x)),
        ),
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
    leaky_relu=("leakyrelu",),
)
