"""Vectors: the fully connected layer and flatten; the same layer at every position of a map
(``dense_map``); and dropout and stochastic depth, which any tensor may take."""

from __future__ import annotations

import math
from typing import Any

from jumpdsl.ops.attrs import boolean, choice, positive_int, probability
from jumpdsl.ops.conv import BIAS_INIT, WEIGHT_INIT
from jumpdsl.ops.core import (
    REQUIRED,
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    same_shape,
    with_aliases,
)
from jumpdsl.ops.rules import channels, is_tokens, need_map, need_vector

__all__ = ["OPS"]


def _dense_shape(ins: list[Shape], a: Attrs) -> Shape:
    if is_tokens(ins[0]):  # the same layer on every token
        return (ins[0][0], a["units"])
    need_vector("dense", ins[0])
    return (a["units"],)


def _dense_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return int(channels(ins[0]) * a["units"] + (a["units"] if a["bias"] else 0))


def _dense_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    tokens = ins[0][0] if is_tokens(ins[0]) else 1
    return int(tokens * channels(ins[0]) * a["units"])


def _dense(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # Linear acts on the last axis: a vector's features, each token's channels.
    return em.module(em.nn.Linear(channels(ins[0]), a["units"], bias=a["bias"]), xs[0])


def _dropout(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.module(em.nn.Dropout(a["p"]), xs[0])


def _dense_map_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("dense_map", ins[0])
    return (a["units"], *ins[0][1:])


def _dense_map_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    depth, height, width = ins[0]
    return int(depth * a["units"] * height * width)


def _dense_map(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # nn.Linear on the channels-last map, as ConvNeXt's MLP: the function of a 1×1 conv, but
    # with Linear's units×C weight, so such a model's weights copy over by shape.
    linear = em.nn.Linear(ins[0][0], a["units"], bias=a["bias"])
    moved = em.method("permute", xs[0], 0, 2, 3, 1)
    return em.method("permute", em.module(linear, moved), 0, 3, 1, 2)


def _dense_map_reference(t: Any, x: Any, w: Any) -> Any:
    return t.torch.einsum("nchw,uc->nuhw", x, w["weight"]) + w["bias"].view(1, -1, 1, 1)


def _stochastic_depth(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # A module (not a function) because it needs to know train from eval mode.
    path = "jumpdsl.backends.torch_stochastic_depth:StochasticDepth"
    return em.module(em.make(path, a["p"], a["mode"]), xs[0])


def _stochastic_depth_reference(t: Any, x: Any, w: Any) -> Any:
    # Drawn from the same seed as the network's: one keep/drop per sample, kept ones ×1/(1−p).
    keep = t.torch.empty(x.shape[0], 1, 1, 1).bernoulli_(0.5)
    return x * keep / 0.5


def _flatten_shape(ins: list[Shape], a: Attrs) -> Shape:
    return (math.prod(ins[0]),)


def _flatten(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.torch.flatten, xs[0], 1)


def _dropout_reference(t: Any, x: Any, w: Any) -> Any:
    # Drawn from the same seed as the network's dropout: the same mask.
    return t.F.dropout(x, 0.25, training=True)


def _linear_attrs(units: str) -> tuple[Attr, ...]:
    """A linear layer's attributes (dense, dense_map): units, bias and their initialisation."""
    return (
        Attr("units", positive_int, doc=units, type_doc="int"),
        Attr("bias", boolean, True, "learn a bias", "bool"),
        WEIGHT_INIT,
        BIAS_INIT,
    )


OPS: tuple[Op, ...] = (
    Op(
        "dropout",
        "Zeroes elements with probability p while training.",
        same_shape,
        _dropout,
        (Attr("p", probability, 0.5, "drop probability", "float in [0, 1)"),),
        shape_doc="any → same",
        label=lambda a: f"dropout {a['p']:g}",
        examples=(
            Example("dropout(0.25)", (3, 4, 4), _dropout_reference, train=True),
            Example("dropout(0.25)", (3, 4, 4), lambda t, x, w: x),
        ),
    ),
    Op(
        "stochastic_depth",
        "While training, drops the whole tensor of a sample (mode row) or of the batch (mode "
        "batch) with probability p and scales the rest by 1/(1−p); the identity in eval mode "
        "(torchvision's StochasticDepth). Written last on a residual branch, before its "
        "`skip add`.",
        same_shape,
        _stochastic_depth,
        (
            Attr("p", probability, REQUIRED, "drop probability", "float in [0, 1)"),
            Attr(
                "mode",
                choice("row", "batch"),
                "row",
                "row: a draw per sample; batch: one for the batch",
                "row | batch",
            ),
        ),
        shape_doc="any → same",
        label=lambda a: f"stochastic depth {a['p']:g}",
        branch_end=True,
        usage="stochastic_depth(0.1)",
        examples=(
            Example("stochastic_depth(0.5)", (3, 4, 4), _stochastic_depth_reference, train=True),
            Example("stochastic_depth(0.5, mode=batch)", (3, 4, 4), lambda t, x, w: x),
        ),
    ),
    Op(
        "dense",
        "Fully connected layer on a vector, or on each token of a sequence (PyTorch Linear).",
        _dense_shape,
        _dense,
        _linear_attrs("output features"),
        shape_doc="F → units; N×C tokens → N×units (each token)",
        params=_dense_params,
        macs=_dense_macs,
        inits={"init": "weight", "bias_init": "bias"},
        decay=("weight",),
        fresh=True,
        label=lambda a: f"dense {a['units']}",
        usage="dense(10)",
        examples=(
            Example("dense(4)", (6,), lambda t, x, w: x @ w["weight"].T + w["bias"]),
            Example("dense(4, bias=false)", (6,), lambda t, x, w: x @ w["weight"].T),
            Example(
                "dense(4)",
                (3, 6),
                lambda t, x, w: t.torch.einsum("bnc,uc->bnu", x, w["weight"]) + w["bias"],
            ),
        ),
    ),
    Op(
        "dense_map",
        "The dense layer at every position of a C×H×W map (PyTorch Linear on channels-last, "
        "ConvNeXt's MLP): a 1×1 conv's function with Linear's units×C weight.",
        _dense_map_shape,
        _dense_map,
        _linear_attrs("output channels"),
        shape_doc="C×H×W → units×H×W (needs a map)",
        params=_dense_params,
        macs=_dense_map_macs,
        inits={"init": "weight", "bias_init": "bias"},
        decay=("weight",),
        fresh=True,
        label=lambda a: f"dense {a['units']} per position",
        usage="dense_map(96)",
        examples=(Example("dense_map(4)", (6, 3, 5), _dense_map_reference),),
    ),
    Op(
        "flatten",
        "C×H×W → C·H·W.",
        _flatten_shape,
        _flatten,
        shape_doc="C×H×W → C·H·W",
        examples=(Example("flatten", (2, 3, 4), lambda t, x, w: x.reshape(len(x), -1)),),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    dense=("linear", "lazylinear", "fullyconnected", "fc"),
    dropout=("dropout1d", "dropout2d", "spatialdropout2d"),
    stochastic_depth=("stochasticdepth", "droppath"),
)
