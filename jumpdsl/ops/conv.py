"""Convolution."""

from __future__ import annotations

from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import SIZE_DOC, amount, boolean, padding, positive_int, size
from jumpdsl.ops.core import Attr, Attrs, Emitter, Example, Op, Shape, ShapeError, with_aliases
from jumpdsl.ops.init import AUTO, TORCH, init_checker
from jumpdsl.ops.rules import need_map, padding_pair, window_label, window_out

__all__ = ["BIAS_INIT", "OPS", "WEIGHT_INIT"]

WEIGHT_INIT = Attr("init", init_checker(), TORCH, "weight initialisation", "a scheme (docs/ops.md)")
BIAS_INIT = Attr(
    "bias_init",
    init_checker(auto=True),
    AUTO,
    "bias initialisation (auto: zeros when init is set, else PyTorch's)",
    "auto or a scheme",
)


def _need_groups(channels: int, a: Attrs) -> None:
    """Input channels and filters both divisible by ``groups`` (conv and conv_transpose)."""
    groups = a["groups"]
    if channels % groups or a["filters"] % groups:
        raise ShapeError(
            M.GROUPS_NOT_DIVISIBLE, groups=groups, channels=channels, filters=a["filters"]
        )


def _shape(ins: list[Shape], a: Attrs) -> Shape:
    channels = ins[0][0] if len(ins[0]) == 3 else 0
    height, width = window_out("conv", ins[0], a)
    _need_groups(channels, a)
    return (a["filters"], height, width)


def _weights(ins: list[Shape], a: Attrs) -> int:
    kh, kw = a["kernel"]
    return int(a["filters"] * (ins[0][0] // a["groups"]) * kh * kw)


def _params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return _weights(ins, a) + (a["filters"] if a["bias"] else 0)


def _macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return _weights(ins, a) * out[1] * out[2]


def _build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    conv = em.nn.Conv2d(
        ins[0][0],
        a["filters"],
        a["kernel"],
        stride=a["stride"],
        padding=padding_pair(a),
        dilation=a["dilation"],
        groups=a["groups"],
        bias=a["bias"],
    )
    return em.module(conv, xs[0])


def _label(a: Attrs) -> str:
    extra = str(a["filters"])
    if a["groups"] != 1:
        extra += f", groups {a['groups']}"
    if a["dilation"] != (1, 1):
        extra += f", dilation {a['dilation'][0]}"
    return window_label("conv", a, extra)


def _reference(t: Any, x: Any, w: Any) -> Any:
    # padding=same with a 3×3 kernel at dilation 2 pads ⌊2·2/2⌋ = 2 on each side.
    return t.F.conv2d(x, w["weight"], w["bias"], stride=2, padding=2, dilation=2, groups=2)


_WINDOW_RULE = "H' = ⌊(H + 2p − d·(k−1) − 1) / s⌋ + 1"


def _transpose_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("conv_transpose", ins[0])
    channels, height, width = ins[0]
    _need_groups(channels, a)
    sizes = []
    for axis, size_in in enumerate((height, width)):
        k, s, p, d = (a[n][axis] for n in ("kernel", "stride", "padding", "dilation"))
        extra = a["output_padding"][axis]
        if extra >= s and extra >= d:
            raise ShapeError(M.OUTPUT_PADDING_TOO_LARGE, padding=extra, stride=s, dilation=d)
        sizes.append((size_in - 1) * s - 2 * p + d * (k - 1) + extra + 1)
    if min(sizes) < 1:
        raise ShapeError(M.TRANSPOSE_EMPTY, size=f"{height}×{width}", out="×".join(map(str, sizes)))
    return (a["filters"], sizes[0], sizes[1])


def _transpose_weights(ins: list[Shape], a: Attrs) -> int:
    kh, kw = a["kernel"]
    return int(ins[0][0] * (a["filters"] // a["groups"]) * kh * kw)


def _transpose_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return _transpose_weights(ins, a) + (a["filters"] if a["bias"] else 0)


def _transpose_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    # every input position scatters its kernel: the MACs of the conv it is the transpose of
    return _transpose_weights(ins, a) * ins[0][1] * ins[0][2]


def _transpose_build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    conv = em.nn.ConvTranspose2d(
        ins[0][0],
        a["filters"],
        a["kernel"],
        stride=a["stride"],
        padding=a["padding"],
        output_padding=a["output_padding"],
        groups=a["groups"],
        bias=a["bias"],
        dilation=a["dilation"],
    )
    return em.module(conv, xs[0])


def _transpose_label(a: Attrs) -> str:
    """``conv_transpose 2×2, 64, ×2``: it upsamples by its stride."""
    extra = str(a["filters"]) + (f", groups {a['groups']}" if a["groups"] != 1 else "")
    return window_label("conv_transpose", a, extra, stride_sign="×")


def _transpose_reference(t: Any, x: Any, w: Any) -> Any:
    return t.F.conv_transpose2d(x, w["weight"], w["bias"], stride=2, padding=1, output_padding=1)


OPS: tuple[Op, ...] = (
    Op(
        "conv",
        "2-D convolution (PyTorch Conv2d). padding=same keeps H×W at stride 1 (odd kernels).",
        _shape,
        _build,
        (
            Attr("filters", positive_int, doc="output channels", type_doc="int"),
            Attr("kernel", size, doc="kernel size", type_doc=SIZE_DOC),
            Attr("stride", size, (1, 1), "step", SIZE_DOC),
            Attr(
                "padding", padding, "same", "same, valid or explicit", "same | valid | int | (h, w)"
            ),
            Attr("dilation", size, (1, 1), "spacing of kernel taps", SIZE_DOC),
            Attr("groups", positive_int, 1, "channel groups (= channels: depthwise)", "int"),
            Attr("bias", boolean, True, "learn a bias per filter", "bool"),
            WEIGHT_INIT,
            BIAS_INIT,
        ),
        shape_doc=f"C×H×W → filters×H'×W', {_WINDOW_RULE} (same: p = ⌊d·(k−1)/2⌋); "
        "C and filters divisible by groups",
        params=_params,
        macs=_macs,
        inits={"init": "weight", "bias_init": "bias"},
        decay=("weight",),
        fresh=True,
        label=_label,
        usage="conv(64, 3x3)",
        examples=(
            Example(
                "conv(6, 3x3, stride=2, dilation=2, groups=2, init=kaiming_normal(fan_out), "
                "bias_init=normal(0.1))",
                (4, 11, 11),
                _reference,
            ),
        ),
    ),
    Op(
        "conv_transpose",
        "2-D transposed convolution (PyTorch ConvTranspose2d): the gradient of a conv with "
        "the same attributes, which upsamples by its stride. Padding is PyTorch's (it crops "
        "the output), 0 by default.",
        _transpose_shape,
        _transpose_build,
        (
            Attr("filters", positive_int, doc="output channels", type_doc="int"),
            Attr("kernel", size, doc="kernel size", type_doc=SIZE_DOC),
            Attr("stride", size, (1, 1), "step (the upsampling factor)", SIZE_DOC),
            Attr("padding", amount, (0, 0), "pixels cropped from each side", "int or (h, w)"),
            Attr(
                "output_padding",
                amount,
                (0, 0),
                "pixels added on one side (below the stride)",
                "int or (h, w)",
            ),
            Attr("groups", positive_int, 1, "channel groups", "int"),
            Attr("bias", boolean, True, "learn a bias per filter", "bool"),
            Attr("dilation", size, (1, 1), "spacing of kernel taps", SIZE_DOC),
            WEIGHT_INIT,
            BIAS_INIT,
        ),
        shape_doc="C×H×W → filters×H'×W', H' = (H−1)·s − 2p + d·(k−1) + output_padding + 1; "
        "C and filters divisible by groups",
        params=_transpose_params,
        macs=_transpose_macs,
        inits={"init": "weight", "bias_init": "bias"},
        decay=("weight",),
        fresh=True,
        label=_transpose_label,
        usage="conv_transpose(64, 2x2, stride=2)",
        examples=(
            Example(
                "conv_transpose(6, 3x3, stride=2, padding=1, output_padding=1)",
                (4, 5, 7),
                _transpose_reference,
            ),
        ),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    conv=("conv2d", "convolution2d", "depthwiseconv2d", "convolution"),
    conv_transpose=("convtranspose2d", "conv2dtranspose", "deconv", "deconvolution"),
)
