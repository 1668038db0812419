"""Convolution."""

from __future__ import annotations

from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.attrs import SIZE_DOC, boolean, padding, positive_int, size
from jumpdsl.ops.core import Attr, Attrs, Emitter, Example, Op, Shape, ShapeError, with_aliases
from jumpdsl.ops.init import AUTO, TORCH, init_checker
from jumpdsl.ops.rules import padding_pair, window_label, window_out

__all__ = ["BIAS_INIT", "OPS", "WEIGHT_INIT"]

WEIGHT_INIT = Attr("init", init_checker(), TORCH, "weight initialisation", "a scheme (docs/ops.md)")
BIAS_INIT = Attr(
    "bias_init",
    init_checker(auto=True),
    AUTO,
    "bias initialisation (auto: zeros when init is set, else PyTorch's)",
    "auto or a scheme",
)


def _shape(ins: list[Shape], a: Attrs) -> Shape:
    channels = ins[0][0] if len(ins[0]) == 3 else 0
    height, width = window_out("conv", ins[0], a)
    groups = a["groups"]
    if channels % groups or a["filters"] % groups:
        raise ShapeError(
            M.GROUPS_NOT_DIVISIBLE, groups=groups, channels=channels, filters=a["filters"]
        )
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
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    conv=("conv2d", "convolution2d", "depthwiseconv2d", "convolution"),
)
