"""Channel ops: rearranging channels, taking some of them, scaling each one."""

from __future__ import annotations

import operator
from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import natural, positive_int
from jumpdsl.ops.core import (
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    ShapeError,
    same_shape,
)
from jumpdsl.ops.init import init_checker
from jumpdsl.ops.rules import channels, is_tokens, need_groups_divide, need_map

__all__ = ["OPS"]


def _shuffle_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("channel_shuffle", ins[0])
    need_groups_divide("channel_shuffle", ins[0], a["groups"])
    return ins[0]


def _shuffle(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # ShuffleNet's: split the channels into groups, swap the two axes, join them again;
    # H×W are left to the tensor, so a network built for one size runs at another.
    groups = a["groups"]
    split = em.method("unflatten", xs[0], 1, (groups, ins[0][0] // groups))
    swapped = em.method("transpose", split, 1, 2)
    return em.method("flatten", swapped, 1, 2)


def _shuffle_reference(t: Any, x: Any, w: Any) -> Any:
    # Output channel j·g + i is input channel i·(C/g) + j: a permutation of the channels.
    channels = x.shape[1]
    order = t.torch.arange(channels).view(3, channels // 3).t().reshape(-1)
    return x[:, order]


def _channel_range(op: str, shape: Shape, part: str, hint: str) -> ShapeError:
    return ShapeError(M.CHANNEL_RANGE, hint, op=op, part=part, channels=shape[0])


def _slice_shape(ins: list[Shape], a: Attrs) -> Shape:
    shape, start, stop = ins[0], a["start"], a["stop"]
    if not start < stop <= shape[0]:
        raise _channel_range("slice", shape, f"channels {start}:{stop}", M.HINT_SLICE_RANGE)
    return (stop - start, *shape[1:])


def _split_range(ins: list[Shape], a: Attrs) -> tuple[int, int]:
    """The first channel and the count of part ``index`` of ``parts`` equal parts."""
    shape, parts, index = ins[0], a["parts"], a["index"]
    if shape[0] % parts or index >= parts:
        part = f"part {index} of {parts} equal parts"
        raise _channel_range("split", shape, part, M.HINT_SPLIT_PARTS)
    width = shape[0] // parts
    return index * width, width


def _split_shape(ins: list[Shape], a: Attrs) -> Shape:
    return (_split_range(ins, a)[1], *ins[0][1:])


def _slice(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    # A view of the input's channels, as Python's x[:, start:stop] (and chunk) give.
    return em.method("narrow", xs[0], 1, a["start"], a["stop"] - a["start"])


def _split(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("narrow", xs[0], 1, *_split_range(ins, a))


def _second_half_reference(t: Any, x: Any, w: Any) -> Any:
    return x.chunk(2, dim=1)[1]


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
        "slice",
        "Channels start to stop − 1 (Python's x[:, start:stop]): a part of the channels, "
        "for one path of a branch.",
        _slice_shape,
        _slice,
        (
            Attr("start", natural, doc="the first channel taken (from 0)", type_doc="int"),
            Attr("stop", positive_int, doc="the channel after the last taken", type_doc="int"),
        ),
        shape_doc="C×… → (stop − start)×…, 0 ≤ start < stop ≤ C",
        label=lambda a: f"channels {a['start']}:{a['stop']}",
        usage="slice(0, 16)",
        examples=(
            Example("slice(1, 4)", (6, 2, 3), lambda t, x, w: x[:, 1:4]),
            Example("slice(0, 3)", (5,), lambda t, x, w: x[:, :3]),
        ),
    ),
    Op(
        "split",
        "Part index (from 0) of parts equal parts of the channels (torch.chunk): split(2, 1) "
        "is the second half.",
        _split_shape,
        _split,
        (
            Attr("parts", positive_int, doc="equal parts (must divide C)", type_doc="int"),
            Attr("index", natural, doc="the part taken, from 0", type_doc="int"),
        ),
        shape_doc="C×… → (C / parts)×…, C divisible by parts, index < parts",
        label=lambda a: f"part {a['index'] + 1} of {a['parts']}",
        usage="split(2, 0)",
        examples=(Example("split(2, 1)", (6, 2, 3), _second_half_reference),),
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
