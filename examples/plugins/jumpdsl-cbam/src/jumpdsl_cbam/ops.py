"""CBAM, the Convolutional Block Attention Module (Woo, Park, Lee and Kweon, ECCV 2018), as a
jumpdsl op: ``cbam(reduction=16, kernel=7)``.

A feature map is refined twice. Channel attention: the map's average and maximum over H×W each
go through one shared MLP (C → C/r → C, ReLU between); the sum, through a sigmoid, scales each
channel. Spatial attention: the maximum and the mean over the channels, stacked as two maps,
go through a k×k convolution (no bias) and batch norm, as in the authors' code; through a
sigmoid, that scales each position.

This module holds only the op's entry and imports no torch: ``jumpdsl check`` and ``draw`` stay
fast. The torch module is :class:`jumpdsl_cbam.modules.CBAM`, which the builder names by its
import path, so an exported ``.py`` imports it from this package too (and needs no jumpdsl).
"""

from __future__ import annotations

from typing import Any

from jumpdsl.plugin import (
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    need_map,
    positive_int,
    refused,
)

__all__ = ["OPS"]


def _hidden(channels: int, a: Attrs) -> int:
    return channels // int(a["reduction"])


def _shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("cbam", ins[0])
    if _hidden(ins[0][0], a) < 1:
        raise refused(
            "cbam",
            ins[0],
            f"{ins[0][0]} channels reduced by {a['reduction']} leave no hidden unit",
            "use a smaller reduction, or put cbam after a wider layer",
        )
    if a["kernel"] % 2 == 0:
        raise refused("cbam", ins[0], f"its spatial kernel {a['kernel']} is even", "use 7 or 3")
    return ins[0]


def _params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    channels = ins[0][0]
    hidden = _hidden(channels, a)
    mlp = channels * hidden + hidden + hidden * channels + channels
    spatial = 2 * a["kernel"] ** 2 + 2  # the conv's weights, and the norm's scale and shift
    return mlp + spatial


def _macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    channels, height, width = ins[0]
    hidden = _hidden(channels, a)
    mlp = 2 * 2 * channels * hidden  # two pooled vectors through both layers
    return mlp + 2 * a["kernel"] ** 2 * height * width


def _build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    module = em.make("jumpdsl_cbam.modules:CBAM", ins[0][0], a["reduction"], a["kernel"])
    return em.module(module, xs[0])


def _reference(t: Any, x: Any, w: Any) -> Any:
    """The op in plain torch functions, from its tensors (eval mode: the norm's statistics)."""
    F = t.F
    avg, peak = x.mean((2, 3)), x.amax((2, 3))

    def mlp(v: Any) -> Any:
        hidden = F.relu(F.linear(v, w["channel.0.weight"], w["channel.0.bias"]))
        return F.linear(hidden, w["channel.2.weight"], w["channel.2.bias"])

    x = x * t.torch.sigmoid(mlp(avg) + mlp(peak))[:, :, None, None]
    pooled = t.torch.stack([x.amax(1), x.mean(1)], 1)
    k = w["spatial.0.weight"].shape[-1]
    conv = F.conv2d(pooled, w["spatial.0.weight"], padding=k // 2)
    normed = F.batch_norm(
        conv,
        w["spatial.1.running_mean"],
        w["spatial.1.running_var"],
        w["spatial.1.weight"],
        w["spatial.1.bias"],
        False,
        0.0,
        1e-5,
    )
    return x * t.torch.sigmoid(normed)


OPS = (
    Op(
        "cbam",
        "Channel then spatial attention (CBAM, Woo et al. 2018).",
        _shape,
        _build,
        (
            Attr("reduction", positive_int, 16, "the channel MLP's reduction", "int"),
            Attr("kernel", positive_int, 7, "the spatial attention's kernel (odd)", "int"),
        ),
        shape_doc="C×H×W → same (C ≥ reduction)",
        params=_params,
        macs=_macs,
        decay=("channel.0.weight", "channel.2.weight", "spatial.0.weight"),
        label=lambda a: f"cbam /{a['reduction']}, {a['kernel']}×{a['kernel']}",
        usage="cbam(reduction=16)",
        examples=(
            Example("cbam(reduction=4)", (8, 6, 5), _reference),
            Example("cbam(reduction=2, kernel=3)", (4, 3, 3), _reference),
        ),
    ),
)
