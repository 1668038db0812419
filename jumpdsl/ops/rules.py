"""Helpers for shape rules and labels that several ops share (and plugins may use): the rank
checks, the sliding-window formula, ``padding=same``, window labels.

>>> window_out("conv", (3, 32, 32), {"kernel": (3, 3), "stride": (2, 2), "padding": "same"})
(16, 16)
"""

from __future__ import annotations

from jumpdsl import messages as M
from jumpdsl.ops.core import Attrs, Shape, ShapeError, format_shape

__all__ = [
    "channels",
    "is_tokens",
    "label_size",
    "need_map",
    "need_tokens",
    "need_vector",
    "padding_pair",
    "window_label",
    "window_out",
    "window_side",
]


def is_tokens(shape: Shape) -> bool:
    """An N×C token sequence (a transformer's tokens, channels last): the one rank-2 shape."""
    return len(shape) == 2


def channels(shape: Shape) -> int:
    """The channels of a shape: C of a C×H×W map or of N×C tokens, F of a vector."""
    return shape[-1] if is_tokens(shape) else shape[0]


def need_map(op: str, shape: Shape) -> None:
    """Refuse anything but a C×H×W feature map."""
    if len(shape) != 3:
        hint = {1: M.HINT_MAP_OPS_FIRST, 2: M.HINT_TOKENS_TO_MAP}.get(len(shape))
        raise ShapeError(
            M.BAD_RANK, hint, op=op, expected="a C×H×W feature-map", shape=format_shape(shape)
        )


def need_groups_divide(op: str, shape: Shape, groups: int) -> None:
    """Refuse a channel count that ``groups`` does not divide (channel_shuffle, groupnorm)."""
    if shape[0] % groups:
        raise ShapeError(
            M.SHAPE_REFUSED,
            M.HINT_GROUPS_DIVIDE,
            op=op,
            shape=format_shape(shape),
            reason=f"{shape[0]} channels do not split into {groups} groups",
        )


def need_tokens(op: str, shape: Shape) -> None:
    """Refuse anything but an N×C token sequence."""
    if not is_tokens(shape):
        raise ShapeError(
            M.BAD_RANK,
            M.HINT_TOKENS_FIRST,
            op=op,
            expected="an N×C token-sequence",
            shape=format_shape(shape),
        )


def need_vector(op: str, shape: Shape) -> None:
    """Refuse anything but a vector."""
    if len(shape) != 1:
        raise ShapeError(
            M.BAD_RANK,
            M.HINT_VECTOR_FIRST,
            op=op,
            expected="a vector",
            shape=format_shape(shape),
        )


def padding_pair(a: Attrs) -> tuple[int, int]:
    """The (h, w) padding of a window: ``valid`` 0, ``same`` ⌊d·(k−1)/2⌋, else as given."""
    padding = a["padding"]
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        kh, kw = a["kernel"]
        dh, dw = a.get("dilation") or (1, 1)
        return ((kh - 1) * dh // 2, (kw - 1) * dw // 2)
    return padding  # type: ignore[no-any-return]


def window_out(op: str, shape: Shape, a: Attrs) -> tuple[int, int]:
    """Output H, W of a sliding window (conv or pool): the floor formula, or with
    ``ceil_mode`` (pools) PyTorch's ceiling rule, see :func:`window_side`."""
    need_map(op, shape)
    _, height, width = shape
    kh, kw = a["kernel"]
    sh, sw = a["stride"] or a["kernel"]
    dh, dw = a.get("dilation") or (1, 1)
    ph, pw = padding_pair(a)
    ceil = bool(a.get("ceil_mode", False))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    _window_fits(op, {"window": max(span_h, span_w), "stride": max(sh, sw)}, (ph, pw), shape)
    out_h = window_side(height, span_h, sh, ph, ceil=ceil)
    out_w = window_side(width, span_w, sw, pw, ceil=ceil)
    if op != "conv" and min(out_h, out_w) < 1:
        # A pool finds nothing left to pool: the map has shrunk away earlier.
        raise ShapeError(
            M.SPATIAL_COLLAPSE,
            M.HINT_POOL_TOO_SMALL,
            op=op,
            size=f"{height}×{width}",
            out=f"{max(out_h, 0)}×{max(out_w, 0)}",
        )
    if not ceil and (span_h > height + 2 * ph or span_w > width + 2 * pw):
        raise ShapeError(
            M.KERNEL_TOO_LARGE,
            op=op,
            kernel=f"{span_h}×{span_w}",
            size=f"{height}×{width}"
            if not (ph or pw)
            else f"{height}×{width} (padded by {ph}, {pw})",
        )
    return (out_h, out_w)


def window_side(size: int, span: int, stride: int, pad: int, *, ceil: bool = False) -> int:
    """Windows along one side: ⌊(size + 2·pad − span) / stride⌋ + 1, or with ``ceil`` the
    ceiling, less one when the last window would start past the input and its left padding
    (PyTorch's rule: a window that holds only right padding, or nothing, is not made).

    >>> window_side(112, 3, 2, 0), window_side(112, 3, 2, 0, ceil=True)
    (55, 56)
    >>> window_side(5, 2, 2, 1, ceil=True)  # ⌈5/2⌉ + 1 = 4 windows would start at 6 ≥ 5 + 1
    3
    """
    room = size + 2 * pad - span
    if not ceil:
        return max(room, -1) // stride + 1
    out = -(-room // stride) + 1
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out


# torch's window ops (pools, and the padding of convolutions) count in 32 bits.
WINDOW_LIMIT = 2**31 - 1


def _window_fits(op: str, sizes: dict[str, int], pads: tuple[int, int], shape: Shape) -> None:
    """A window, stride and padded input torch can count: past :data:`WINDOW_LIMIT` a spec
    that checks would fail (exit 101) when it is built."""
    sizes = {**sizes, "padded input": max(shape[1] + 2 * pads[0], shape[2] + 2 * pads[1])}
    for what, value in sizes.items():
        if value > WINDOW_LIMIT:
            raise ShapeError(M.WINDOW_TOO_LARGE, op=op, what=what, value=M.big_count(value))


def label_size(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


def window_label(name: str, a: Attrs, extra: str = "", stride_sign: str = "/") -> str:
    """``conv 3×3, 64, /2``: the window, what else matters, the stride when not 1 (``×2``
    for an op that upsamples by it)."""
    parts = [f"{name} {label_size(a['kernel'])}"]
    if extra:
        parts.append(extra)
    stride = a["stride"] or a["kernel"]
    if stride != (1, 1):
        parts.append(
            stride_sign + (str(stride[0]) if stride[0] == stride[1] else label_size(stride))
        )
    return ", ".join(parts)
