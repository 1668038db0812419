"""Channel ops: rearranging channels, scaling each one."""

from __future__ import annotations

import operator
from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import positive_int
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
)
from jumpdsl.ops.init import init_checker
from jumpdsl.ops.rules import channels, is_tokens, need_map

__all__ = ["OPS"]


def _shuffle_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("channel_shuffle", ins[0])
    channels, groups = ins[0][0], a["groups"]
    if channels % groups:
        raise ShapeError(
            M.SHAPE_REFUSED,
            M.HINT_GROUPS_DIVIDE,
            op="channel_shuffle",
            shape=format_shape(ins[0]),
            reason=f"{channels} channels do not split into {groups} groups",
        )
    return ins[0]


def _shuffle(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # ShuffleNet's: split the channels into groups, swap the two axes, join them again.
    channels, height, width = ins[0]
    groups = a["groups"]
    split = em.method("view", xs[0], -1, groups, channels // groups, height, width)
    swapped = em.method("transpose", split, 1, 2)
    return em.method("reshape", swapped, -1, channels, height, width)


def _shuffle_reference(t: Any, x: Any, w: Any) -> Any:
    # Output channel j·g + i is input channel i·(C/g) + j: a permutation of the channels.
    channels = x.shape[1]
    order = t.torch.arange(channels).view(3, channels // 3).t().reshape(-1)
    return x[:, order]


def _layerscale(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # One learnable factor per channel, kept at the node (stem.layerscale1.gamma), as in
    # CaiT and ConvNeXt: C×1×1 on a C×H×W map, the shape torchvision's ConvNeXt keeps (so its
    # checkpoints load one to one), C on a vector and on tokens (their channels are last).
    if is_tokens(ins[0]):
        gamma = em.parameter("gamma", (channels(ins[0]),))
    else:
        gamma = em.parameter("gamma", (ins[0][0], *(1 for _ in ins[0][1:])))
    return em.call(operator.mul, xs[0], gamma)


def _layerscale_reference(t: Any, x: Any, w: Any) -> Any:
    return t.torch.einsum("nc...,c->nc...", x, w["gamma"].reshape(-1))


OPS = (
    Op(
        "channel_shuffle",
        "Interleaves the channels of its groups (ShuffleNet): after a grouped conv, each group "
        "of the next sees channels from every group.",
        _shuffle_shape,
        _shuffle,
        (Attr("groups", positive_int, doc="channel groups (must divide C)", type_doc="int"),),
        shape_doc="C×H×W → same (C divisible by groups)",
        label=lambda a: f"channel shuffle, groups {a['groups']}",
        usage="channel_shuffle(4)",
        examples=(Example("channel_shuffle(3)", (6, 2, 3), _shuffle_reference),),
    ),
    Op(
        "layerscale",
        "A learnable scale per channel, initially small (Touvron et al. 2021, CaiT): "
        "residual branches start near the identity.",
        same_shape,
        _layerscale,
        (
            Attr(
                "init",
                init_checker(vector=True),
                1e-6,
                "the scales' initialisation: a number, or a scheme",
                "number or a scheme",
            ),
        ),
        shape_doc="any → same",
        params=lambda ins, out, a: channels(ins[0]),
        inits={"init": "gamma"},
        examples=(
            Example("layerscale", (4, 3, 3), _layerscale_reference),
            Example("layerscale(init=0.1)", (5,), _layerscale_reference),
            Example("layerscale", (3, 4), lambda t, x, w: x * w["gamma"]),
        ),
    ),
)
