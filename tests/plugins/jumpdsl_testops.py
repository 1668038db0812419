"""A plugin for the tests: one op of each kind the plugin API allows. Loaded with
``--plugin jumpdsl_testops`` (tests/plugins is on the search path in the tests).

- ``blur``: a module class of the plugin (``em.make``) holding a buffer;
- ``pixelnorm``: a function of the plugin called in forward (``em.call``);
- ``chanaffine``: tensors of its own (``em.parameter``) with initialisation attributes;
- ``wsum``: a merge with a learnable weight per input;
- ``offset``: buffers of its own (one kept in the state_dict, one not), set by its inits.
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
    format_shape,
    init_checker,
    need_map,
    number,
    refused,
    same_shape,
)

TORCH_SIDE = "jumpdsl_testops_torch"


def _blur_shape(ins: list[Shape], a: Attrs) -> Shape:
    need_map("blur", ins[0])
    if min(ins[0][1:]) < 3:
        raise refused("blur", ins[0], "the map must be at least 3×3")
    return ins[0]


def _blur(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.module(em.make(f"{TORCH_SIDE}:Blur", ins[0][0]), xs[0])


def _blur_reference(t: Any, x: Any, w: Any) -> Any:
    padded = t.F.pad(x, (1, 1, 1, 1), mode="replicate")
    return t.F.conv2d(padded, w["kernel"], groups=x.shape[1])


def _pixelnorm(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    from jumpdsl_testops_torch import pixel_norm  # the plugin's torch side, only when built

    return em.call(pixel_norm, xs[0], a["eps"])


def _affine(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    channels = ins[0][0]
    weight = em.parameter("weight", (channels,))
    bias = em.parameter("bias", (channels,))
    if len(ins[0]) == 3:
        weight, bias = em.method("view", weight, -1, 1, 1), em.method("view", bias, -1, 1, 1)
    return em.call(em.torch.addcmul, bias, xs[0], weight)


def _affine_reference(t: Any, x: Any, w: Any) -> Any:
    shape = (1, -1, *([1] * (x.dim() - 2)))
    return x * w["weight"].view(shape) + w["bias"].view(shape)


def _wsum_shape(ins: list[Shape], a: Attrs) -> Shape:
    if any(s != ins[0] for s in ins):
        shapes = " and ".join(format_shape(s) for s in ins)
        raise refused("wsum", ins[0], f"its inputs must have one shape, not {shapes}")
    return ins[0]


def _wsum(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    weights = em.parameter("weights", (len(xs),))
    stacked = em.call(em.torch.stack, list(xs), -1)
    return em.call(em.torch.matmul, stacked, weights)


def _offset(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    shift = em.buffer("shift", (ins[0][0],))
    scale = em.buffer("scale", (ins[0][0],), persistent=False)
    if len(ins[0]) == 3:
        shift, scale = em.method("view", shift, -1, 1, 1), em.method("view", scale, -1, 1, 1)
    return em.call(em.torch.addcmul, shift, xs[0], scale)


OPS = (
    Op(
        "blur",
        "A fixed 3×3 binomial blur per channel, edges replicated.",
        _blur_shape,
        _blur,
        shape_doc="C×H×W → same (H, W ≥ 3)",
        fresh=True,
        examples=(Example("blur", (3, 5, 6), _blur_reference),),
    ),
    Op(
        "pixelnorm",
        "Each position's channel vector divided by its root mean square.",
        same_shape,
        _pixelnorm,
        (Attr("eps", number, 1e-8, "added to the mean square", "float"),),
        shape_doc="any → same",
        examples=(
            Example(
                "pixelnorm(eps=1e-3)",
                (4, 3, 3),
                lambda t, x, w: x / t.torch.sqrt((x * x).mean(1, keepdim=True) + 1e-3),
            ),
        ),
    ),
    Op(
        "chanaffine",
        "A learnable scale and shift per channel.",
        same_shape,
        _affine,
        (
            Attr("init", init_checker(vector=True), 1.0, "the scale's initialisation"),
            Attr("bias_init", init_checker(vector=True), 0.0, "the shift's initialisation"),
        ),
        shape_doc="any → same",
        params=lambda ins, out, a: 2 * ins[0][0],
        inits={"init": "weight", "bias_init": "bias"},
        decay=("weight",),
        examples=(
            Example("chanaffine", (3, 4, 4), _affine_reference),
            Example("chanaffine(init=normal(1), bias_init=0.5)", (5,), _affine_reference),
        ),
    ),
    Op(
        "wsum",
        "A weighted sum of its inputs, one learnable weight each (initially one).",
        _wsum_shape,
        _wsum,
        (Attr("init", init_checker(vector=True), 1.0, "the weights' initialisation"),),
        merge=True,
        shape_doc="all inputs equal → that shape",
        params=lambda ins, out, a: len(ins),
        inits={"init": "weights"},
        label=lambda a: "Σ",
        examples=(
            Example(
                "branch wsum { { } { relu } }",
                (2, 3, 3),
                lambda t, x, w: w["weights"][0] * x + w["weights"][1] * x.clamp(min=0),
            ),
        ),
    ),
    Op(
        "offset",
        "Adds a fixed shift per channel and scales by a fixed factor (buffers, not learnt).",
        same_shape,
        _offset,
        (
            Attr("init", init_checker(vector=True), 0.5, "the shift"),
            Attr("scale", init_checker(vector=True), 2.0, "the factor (not in the state_dict)"),
        ),
        shape_doc="any → same",
        inits={"init": "shift", "scale": "scale"},
        examples=(
            Example(
                "offset",
                (3, 2, 2),
                lambda t, x, w: x * w["scale"].view(1, -1, 1, 1) + w["shift"].view(1, -1, 1, 1),
            ),
            Example("offset(scale=ones)", (4,), lambda t, x, w: x * w["scale"] + w["shift"]),
        ),
    ),
)
