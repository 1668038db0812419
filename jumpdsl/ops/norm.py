"""Normalisation: batch, layer, group and instance norm over channels, and local response
normalisation across neighbouring channels."""

from __future__ import annotations

from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import boolean, fraction, number, positive_int, positive_number
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
from jumpdsl.ops.rules import channels, is_tokens, need_groups_divide, need_map

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


def _affine_if_asked(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return 2 * ins[0][0] if a["affine"] else 0


def _groupnorm_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_groups_divide("groupnorm", ins[0], a["groups"])
    return ins[0]


def _groupnorm(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    norm = em.nn.GroupNorm(a["groups"], ins[0][0], eps=a["eps"], affine=a["affine"])
    return em.module(norm, xs[0])


def _map_shape(op: str) -> Any:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        need_map(op, ins[0])
        return ins[0]

    return rule


def _instancenorm(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    norm = em.nn.InstanceNorm2d(
        ins[0][0],
        eps=a["eps"],
        momentum=a["momentum"],
        affine=a["affine"],
        track_running_stats=a["track_running_stats"],
    )
    return em.module(norm, xs[0])


def _lrn(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    norm = em.nn.LocalResponseNorm(a["size"], alpha=a["alpha"], beta=a["beta"], k=a["k"])
    return em.module(norm, xs[0])


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


def _gn_reference(t: Any, x: Any, w: Any) -> Any:
    # Two groups: statistics over each group's channels and all positions, per sample.
    groups = x.reshape(len(x), 2, -1)
    mean = groups.mean(2, keepdim=True)
    var = groups.var(2, unbiased=False, keepdim=True)
    normed = ((groups - mean) / t.torch.sqrt(var + 1e-5)).reshape(x.shape)
    return normed * _per_channel(w["weight"], x) + _per_channel(w["bias"], x)


def _gn_plain_reference(t: Any, x: Any, w: Any) -> Any:
    # Every channel its own group, no affine: eps 1e-3.
    flat = x.reshape(*x.shape[:2], -1)
    mean = flat.mean(2, keepdim=True)
    var = flat.var(2, unbiased=False, keepdim=True)
    return ((flat - mean) / t.torch.sqrt(var + 1e-3)).reshape(x.shape)


def _in_reference(t: Any, x: Any, w: Any) -> Any:
    # Each sample's each channel over its own H×W (no running statistics by default).
    mean = x.mean((2, 3), keepdim=True)
    var = x.var((2, 3), unbiased=False, keepdim=True)
    return (x - mean) / t.torch.sqrt(var + 1e-5)


def _in_tracked_reference(t: Any, x: Any, w: Any) -> Any:
    # Evaluation with track_running_stats: the running statistics, then the affine map.
    mean, var = _per_channel(w["running_mean"], x), _per_channel(w["running_var"], x)
    scale, shift = _per_channel(w["weight"], x), _per_channel(w["bias"], x)
    return (x - mean) / t.torch.sqrt(var + 1e-5) * scale + shift


def _lrn_reference(t: Any, x: Any, w: Any) -> Any:
    # size 3: the squares of channels c−1, c, c+1 (zeros past the ends), averaged over 3.
    squares = t.F.pad(x * x, (0, 0, 0, 0, 1, 1))
    window = squares[:, :-2] + squares[:, 1:-1] + squares[:, 2:]
    return x / (2.0 + 1e-2 * window / 3) ** 0.5


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
    Op(
        "groupnorm",
        "Group normalisation (Wu & He 2018; PyTorch GroupNorm): the channels in groups, each "
        "sample's group normalised over its channels and positions.",
        _groupnorm_shape,
        _groupnorm,
        (
            Attr("groups", positive_int, doc="channel groups (must divide C)", type_doc="int"),
            _EPS,
            Attr("affine", boolean, True, "learn a scale and shift per channel", "bool"),
        ),
        shape_doc="any → same (C divisible by groups)",
        params=_affine_if_asked,
        label=lambda a: f"groupnorm {a['groups']}",
        usage="groupnorm(32)",
        examples=(
            Example("groupnorm(2)", (4, 3, 5), _gn_reference),
            Example("groupnorm(6, eps=1e-3, affine=false)", (6,), _gn_plain_reference),
        ),
    ),
    Op(
        "instancenorm",
        "Instance normalisation (Ulyanov et al. 2016; PyTorch InstanceNorm2d, its defaults): "
        "each sample's each channel over its H×W.",
        _map_shape("instancenorm"),
        _instancenorm,
        (
            _EPS,
            Attr("affine", boolean, False, "learn a scale and shift per channel", "bool"),
            Attr(
                "track_running_stats",
                boolean,
                False,
                "keep running statistics and use them in evaluation",
                "bool",
            ),
            Attr("momentum", fraction, 0.1, "running-stat momentum (PyTorch convention)", "float"),
        ),
        shape_doc="C×H×W → same",
        params=_affine_if_asked,
        label=lambda a: "instancenorm",
        examples=(
            Example("instancenorm", (4, 3, 5), _in_reference),
            Example(
                "instancenorm(affine=true, track_running_stats=true)",
                (4, 3, 5),
                _in_tracked_reference,
            ),
        ),
    ),
    Op(
        "lrn",
        "Local response normalisation across channels (AlexNet; PyTorch LocalResponseNorm): "
        "x / (k + alpha·mean of x² over `size` neighbouring channels)^beta.",
        _map_shape("lrn"),
        _lrn,
        (
            Attr("size", positive_int, doc="channels in the window", type_doc="int"),
            Attr("alpha", number, 1e-4, "the scale of the squares' mean", "float"),
            Attr("beta", number, 0.75, "the exponent", "float"),
            Attr("k", number, 1.0, "the additive constant", "float"),
        ),
        shape_doc="C×H×W → same",
        label=lambda a: f"lrn {a['size']}",
        usage="lrn(5)",
        examples=(Example("lrn(3, alpha=1e-2, beta=0.5, k=2)", (5, 3, 3), _lrn_reference),),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    bn=("batchnorm", "batchnorm1d", "batchnorm2d", "batchnormalization", "syncbatchnorm"),
    layernorm=("layernormalization",),
    groupnorm=("groupnormalization",),
    instancenorm=("instancenorm2d", "instancenormalization"),
    lrn=("localresponsenorm", "localresponsenormalization"),
)
