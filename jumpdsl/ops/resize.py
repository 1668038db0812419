"""Resizing a feature map."""

from __future__ import annotations

from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import choice, positive_number
from jumpdsl.ops.core import Attr, Attrs, Emitter, Example, Op, Shape, ShapeError, with_aliases
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
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    upsample=("upsampling2d", "upsamplingnearest2d", "upsamplingbilinear2d"),
)
