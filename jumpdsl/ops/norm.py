"""Normalisation over channels: batch norm and layer norm."""

from __future__ import annotations

from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import fraction, positive_number
from jumpdsl.ops.core import (
    Attr,
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
from jumpdsl.ops.rules import channels, is_tokens

__all__ = ["OPS"]

_EPS = Attr("eps", positive_number, 1e-5, "added to the variance (above 0)", "float")


def _affine(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return 2 * channels(ins[0])


def _bn_shape(ins: list[Shape], a: Attrs) -> Shape:
    if is_tokens(ins[0]):
        raise ShapeError(
            M.BAD_RANK,
            M.HINT_TOKENS_NORM,
            op="bn",
            expected="a C×H×W feature-map or a vector",
            shape=format_shape(ins[0]),
        )
    return ins[0]


def _bn(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    cls = em.nn.BatchNorm2d if len(ins[0]) == 3 else em.nn.BatchNorm1d
    return em.module(cls(ins[0][0], eps=a["eps"], momentum=a["momentum"]), xs[0])


def _layernorm(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    norm = em.nn.LayerNorm(channels(ins[0]), eps=a["eps"])
    if len(ins[0]) < 3:  # a vector, or tokens: the channels are the last axis
        return em.module(norm, xs[0])
    # Over channels of a C×H×W map: move C last, normalise, move it back.
    moved = em.method("permute", xs[0], 0, 2, 3, 1)
    return em.method("permute", em.module(norm, moved), 0, 3, 1, 2)


def _per_channel(v: Any, x: Any) -> Any:
    """A per-channel vector shaped to scale ``x`` (N×C or N×C×H×W)."""
    return v.view(1, -1, *([1] * (x.dim() - 2)))


def _bn_reference(t: Any, x: Any, w: Any) -> Any:
    # Training mode: the batch's own statistics, over every axis but the channels.
    axes = [0, *range(2, x.dim())]
    mean = x.mean(axes, keepdim=True)
    var = x.var(axes, unbiased=False, keepdim=True)
    scale, shift = _per_channel(w["weight"], x), _per_channel(w["bias"], x)
    return (x - mean) / t.torch.sqrt(var + 1e-3) * scale + shift


def _ln_reference(t: Any, x: Any, w: Any) -> Any:
    mean = x.mean(1, keepdim=True)
    var = x.var(1, unbiased=False, keepdim=True)
    scale, shift = _per_channel(w["weight"], x), _per_channel(w["bias"], x)
    return (x - mean) / t.torch.sqrt(var + 1e-5) * scale + shift


def _ln_tokens_reference(t: Any, x: Any, w: Any) -> Any:
    # Each token's channels (the last axis), eps 1e-6 as in ViT.
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return (x - mean) / t.torch.sqrt(var + 1e-6) * w["weight"] + w["bias"]


OPS: tuple[Op, ...] = (
    Op(
        "bn",
        "Batch normalisation over channels (BatchNorm2d on maps, BatchNorm1d on vectors).",
        _bn_shape,
        _bn,
        (
            _EPS,
            Attr("momentum", fraction, 0.1, "running-stat momentum (PyTorch convention)", "float"),
        ),
        shape_doc="C×H×W or F → same",
        params=_affine,
        fresh=True,
        label=lambda a: "bn",
        examples=(
            Example("bn(eps=1e-3)", (3, 5, 5), _bn_reference, train=True),
            Example("bn(eps=1e-3)", (6,), _bn_reference, train=True),
        ),
    ),
    Op(
        "layernorm",
        "Layer normalisation over channels (per position on maps, per token on tokens).",
        same_shape,
        _layernorm,
        (_EPS,),
        shape_doc="any → same",
        params=_affine,
        label=lambda a: "layernorm",
        examples=(
            Example("layernorm", (4, 3, 5), _ln_reference),
            Example("layernorm", (6,), _ln_reference),
            Example("layernorm(eps=1e-6)", (3, 5), _ln_tokens_reference),
        ),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    bn=("batchnorm", "batchnorm1d", "batchnorm2d", "batchnormalization", "syncbatchnorm"),
    layernorm=("layernormalization",),
)
