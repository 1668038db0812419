"""Resizing a feature map: interpolating, or moving pixels to channels and back."""

from __future__ import annotations

from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import choice, positive_int, positive_number
from jumpdsl.ops.core import (
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    ShapeError,
    format_shape,
    with_aliases,
)
from jumpdsl.ops.rules import need_map

__all__ = ["OPS"]


def _shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("upsample", ins[0])
    channels, height, width = ins[0]
    out = (int(height * a["scale"]), int(width * a["scale"]))
    if min(out) < 1:
        raise ShapeError(
            M.SPATIAL_COLLAPSE,
            M.HINT_LARGER_SCALE,
            op="upsample",
            size=f"{height}×{width}",
            out=f"{out[0]}×{out[1]}",
        )
    return (channels, *out)


def _build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.interpolate, xs[0], scale_factor=a["scale"], mode=a["mode"])


def _nearest(t: Any, x: Any, w: Any) -> Any:
    return x.repeat_interleave(2, 2).repeat_interleave(2, 3)


def _bilinear(t: Any, x: Any, w: Any) -> Any:
    # Half-pixel centres (align_corners=False), edges clamped: each output pixel mixes the
    # two nearest input pixels per axis by distance.
    def axis(v: Any, dim: int) -> Any:
        size = v.shape[dim]
        pos = ((t.torch.arange(2 * size, dtype=v.dtype) + 0.5) / 2 - 0.5).clamp(min=0)
        low = pos.floor().long().clamp(max=size - 1)
        high = (low + 1).clamp(max=size - 1)
        frac = (pos - low).view([-1 if d == dim else 1 for d in range(v.dim())])
        return v.index_select(dim, low) * (1 - frac) + v.index_select(dim, high) * frac

    return axis(axis(x, 2), 3)


def _not_divisible(op: str, shape: Shape, factor: int, reason: str, hint: str) -> ShapeError:
    return ShapeError(
        M.FACTOR_NOT_DIVISIBLE, hint, op=op, factor=factor, shape=format_shape(shape), reason=reason
    )


def _shuffle_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("pixel_shuffle", ins[0])
    (channels, height, width), r = ins[0], a["factor"]
    if channels % (r * r):
        reason = f"{channels} channels do not divide by {r}·{r} = {r * r}"
        raise _not_divisible("pixel_shuffle", ins[0], r, reason, M.HINT_SHUFFLE_FACTOR)
    return (channels // (r * r), height * r, width * r)


def _unshuffle_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("pixel_unshuffle", ins[0])
    (channels, height, width), r = ins[0], a["factor"]
    if height % r or width % r:
        reason = f"{height}×{width} does not divide by {r}"
        raise _not_divisible("pixel_unshuffle", ins[0], r, reason, M.HINT_UNSHUFFLE_FACTOR)
    return (channels * r * r, height // r, width // r)


def _pixel_shuffle(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.pixel_shuffle, xs[0], a["factor"])


def _pixel_unshuffle(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.pixel_unshuffle, xs[0], a["factor"])


def _shuffle_reference(t: Any, x: Any, w: Any) -> Any:
    # Channel c·r² + i·r + j goes to pixel (h·r + i, w·r + j) of channel c (Shi et al. 2016).
    n, channels, height, width = x.shape
    r = 2
    split = x.reshape(n, channels // (r * r), r, r, height, width)
    return split.permute(0, 1, 4, 2, 5, 3).reshape(n, channels // (r * r), height * r, width * r)


def _unshuffle_reference(t: Any, x: Any, w: Any) -> Any:
    # The inverse: pixel (h·r + i, w·r + j) of channel c goes to channel c·r² + i·r + j.
    n, channels, height, width = x.shape
    r = 3
    split = x.reshape(n, channels, height // r, r, width // r, r)
    return split.permute(0, 1, 3, 5, 2, 4).reshape(n, channels * r * r, height // r, width // r)


_FACTOR = Attr("factor", positive_int, doc="the factor r", type_doc="int")


OPS: tuple[Op, ...] = (
    Op(
        "upsample",
        "Resize by a scale factor.",
        _shape,
        _build,
        (
            Attr("scale", positive_number, 2.0, "scale factor", "number"),
            Attr(
                "mode",
                choice("nearest", "bilinear"),
                "nearest",
                "interpolation",
                "nearest | bilinear",
            ),
        ),
        shape_doc="C×H×W → C×⌊H·scale⌋×⌊W·scale⌋",
        label=lambda a: f"upsample ×{a['scale']:g}",
        examples=(
            Example("upsample", (2, 3, 4), _nearest),
            Example("upsample(2, mode=bilinear)", (2, 3, 4), _bilinear),
        ),
    ),
    Op(
        "pixel_shuffle",
        "Moves channels to pixels (sub-pixel convolution, Shi et al. 2016; PyTorch "
        "PixelShuffle): each r·r channels become an r×r patch of one channel.",
        _shuffle_shape,
        _pixel_shuffle,
        (_FACTOR,),
        shape_doc="C×H×W → C/r²×rH×rW (C divisible by r²)",
        label=lambda a: f"pixel shuffle ×{a['factor']}",
        usage="pixel_shuffle(2)",
        examples=(Example("pixel_shuffle(2)", (8, 3, 2), _shuffle_reference),),
    ),
    Op(
        "pixel_unshuffle",
        "Moves pixels to channels, the inverse of pixel_shuffle (PyTorch PixelUnshuffle): "
        "each r×r patch of a channel becomes r·r channels.",
        _unshuffle_shape,
        _pixel_unshuffle,
        (_FACTOR,),
        shape_doc="C×H×W → r²C×H/r×W/r (H and W divisible by r)",
        label=lambda a: f"pixel unshuffle /{a['factor']}",
        usage="pixel_unshuffle(2)",
        examples=(Example("pixel_unshuffle(3)", (2, 6, 9), _unshuffle_reference),),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    upsample=("upsampling2d", "upsamplingnearest2d", "upsamplingbilinear2d"),
)
