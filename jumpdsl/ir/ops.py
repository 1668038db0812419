"""The op table: everything jumpdsl knows about each op, in one entry per op.

An entry (:class:`OpSpec`) holds the attributes with their defaults, the shape rule, the
parameter and MAC counts, the torch builder and the drawing label. Adding an op means adding
one entry here; the lowering, the passes and every backend read the table.

Shapes are tuples without the batch axis: ``(C, H, W)`` for feature maps, ``(F,)`` for vectors.
Nothing here imports torch: the torch builders receive the backend's emitter, which carries
``torch``, ``nn`` and ``F``.

>>> conv = OPS["conv"]
>>> attrs = {a.name: a.default for a in conv.attrs} | {"filters": 64, "kernel": (3, 3)}
>>> conv.shape([(32, 16, 16)], {**attrs, "stride": (2, 2)})
(64, 8, 8)
>>> conv.params([(32, 16, 16)], (64, 16, 16), attrs)
18496
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from jumpdsl import messages as M
from jumpdsl.ir.values import Symbol, show_value
from jumpdsl.messages import Message

__all__ = [
    "OPS",
    "REQUIRED",
    "Attr",
    "AttrError",
    "OpSpec",
    "Shape",
    "ShapeError",
    "format_shape",
]

Shape = tuple[int, ...]
Attrs = Mapping[str, Any]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def format_shape(shape: Shape) -> str:
    """``(64, 16, 16)`` → ``'64×16×16'``.

    >>> format_shape((256,))
    '256'
    """
    return "×".join(str(d) for d in shape)


class ShapeError(Exception):
    """Raised by a shape rule; the shape pass turns it into a diagnostic.

    ``message`` is a :class:`jumpdsl.messages.Message` (its code inside), ``fields`` fill its
    template, ``hint`` replaces the message's own hint when given.
    """

    def __init__(self, message: Message, hint: str | None = None, **fields: Any) -> None:
        super().__init__(message.code.code)
        self.message = message
        self.hint = hint
        self.fields = fields


class AttrError(Exception):
    """An argument of the wrong type or range; the message says what was expected."""

    def __init__(self, expected: str, got: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(f"expected {expected}, got {got}")
        self.expected = expected
        self.got = got
        self.choices = choices  # the words accepted, when the attribute takes words


# ---------------------------------------------------------------- attributes


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AttrError("a positive integer", show_value(value))
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AttrError("a number", show_value(value))
    return float(value)


def _probability(value: Any) -> float:
    number = _float(value)
    if not 0.0 <= number < 1.0:
        raise AttrError("a probability in [0, 1)", show_value(value))
    return number


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise AttrError("true or false", show_value(value))
    return value


def _size(value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    ):
        return (value[0], value[1])
    raise AttrError("a size such as 3, 3x3 or (1, 7)", show_value(value))


def _padding(value: Any) -> str | tuple[int, int]:
    if isinstance(value, (Symbol, str)) and str(value) in ("same", "valid"):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return (value[0], value[1])
    raise AttrError(
        "same, valid or a padding such as 1 or (0, 3)", show_value(value), ("same", "valid")
    )


def _choice(*choices: str) -> Callable[[Any], str]:
    def coerce(value: Any) -> str:
        if isinstance(value, (Symbol, str)) and str(value) in choices:
            return str(value)
        raise AttrError(" or ".join(choices), show_value(value), choices)

    return coerce


INIT_SCHEMES = ("torch", "he_normal", "he_uniform", "glorot_normal", "glorot_uniform")


@dataclass(frozen=True)
class Attr:
    """One attribute of an op: name, how values are checked, default (or REQUIRED), doc."""

    name: str
    coerce: Callable[[Any], Any]
    default: Any = REQUIRED
    doc: str = ""
    type_doc: str = ""


# ---------------------------------------------------------------- the entry


class Emitter(Protocol):
    """What a torch builder may use; :mod:`jumpdsl.backends.torch_fx` implements it."""

    @property
    def torch(self) -> Any: ...

    @property
    def nn(self) -> Any: ...

    @property
    def F(self) -> Any: ...

    def module(self, module: Any, *inputs: Any) -> Any: ...

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...

    def method(self, name: str, *args: Any) -> Any: ...


ShapeRule = Callable[[list[Shape], Attrs], Shape]
CountRule = Callable[[list[Shape], Shape, Attrs], int]
TorchBuilder = Callable[[Emitter, list[Any], Attrs, list[Shape], Shape], Any]


def _zero(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return 0


@dataclass(frozen=True)
class OpSpec:
    """Everything about one op. ``merge`` ops take several inputs (shortcuts, branches)."""

    name: str
    doc: str
    attrs: tuple[Attr, ...]
    shape: ShapeRule
    torch: TorchBuilder
    label: Callable[[Attrs], str]
    params: CountRule = _zero
    macs: CountRule = _zero
    merge: bool = False
    shape_doc: str = ""  # the shape rule in words, for the docs' op table
    attr_index: dict[str, Attr] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attr_index", {a.name: a for a in self.attrs})


# ---------------------------------------------------------------- shape helpers


def _need_map(op: str, shape: Shape) -> None:
    if len(shape) != 3:
        hint = M.HINT_MAP_OPS_FIRST if len(shape) == 1 else None
        raise ShapeError(
            M.BAD_RANK, hint, op=op, expected="a C×H×W feature-map", shape=format_shape(shape)
        )


def _need_vector(op: str, shape: Shape) -> None:
    if len(shape) != 1:
        raise ShapeError(
            M.BAD_RANK,
            M.HINT_VECTOR_FIRST,
            op=op,
            expected="a vector",
            shape=format_shape(shape),
        )


def _padding_pair(a: Attrs) -> tuple[int, int]:
    padding = a["padding"]
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        kh, kw = a["kernel"]
        dh, dw = a.get("dilation") or (1, 1)
        return ((kh - 1) * dh // 2, (kw - 1) * dw // 2)
    return padding  # type: ignore[no-any-return]


def _window_out(op: str, shape: Shape, a: Attrs) -> tuple[int, int]:
    """Output H, W of a sliding window (conv or pool) with the usual floor formula."""
    _need_map(op, shape)
    _, height, width = shape
    kh, kw = a["kernel"]
    sh, sw = a["stride"] or a["kernel"]
    dh, dw = a.get("dilation") or (1, 1)
    ph, pw = _padding_pair(a)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if op != "conv" and (span_h > height + 2 * ph or span_w > width + 2 * pw):
        # A pool finds nothing left to pool: the map has shrunk away earlier.
        raise ShapeError(
            M.SPATIAL_COLLAPSE,
            M.HINT_POOL_TOO_SMALL,
            op=op,
            size=f"{height}×{width}",
            out=f"{max(height + 2 * ph - span_h, -1) // sh + 1}×"
            f"{max(width + 2 * pw - span_w, -1) // sw + 1}",
        )
    if span_h > height + 2 * ph or span_w > width + 2 * pw:
        raise ShapeError(
            M.KERNEL_TOO_LARGE,
            op=op,
            kernel=f"{span_h}×{span_w}",
            size=f"{height}×{width}"
            if not (ph or pw)
            else f"{height}×{width} (padded by {ph}, {pw})",
        )
    return ((height + 2 * ph - span_h) // sh + 1, (width + 2 * pw - span_w) // sw + 1)


def _label_size(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


def _window_label(name: str, a: Attrs, extra: str = "") -> str:
    parts = [f"{name} {_label_size(a['kernel'])}"]
    if extra:
        parts.append(extra)
    stride = a["stride"] or a["kernel"]
    if stride != (1, 1):
        parts.append("/" + (str(stride[0]) if stride[0] == stride[1] else _label_size(stride)))
    return ", ".join(parts)


# ---------------------------------------------------------------- conv


def _conv_shape(ins: list[Shape], a: Attrs) -> Shape:
    channels = ins[0][0] if len(ins[0]) == 3 else 0
    height, width = _window_out("conv", ins[0], a)
    groups = a["groups"]
    if channels % groups or a["filters"] % groups:
        raise ShapeError(
            M.GROUPS_NOT_DIVISIBLE, groups=groups, channels=channels, filters=a["filters"]
        )
    return (a["filters"], height, width)


def _conv_weights(ins: list[Shape], a: Attrs) -> int:
    kh, kw = a["kernel"]
    return int(a["filters"] * (ins[0][0] // a["groups"]) * kh * kw)


def _conv_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return _conv_weights(ins, a) + (a["filters"] if a["bias"] else 0)


def _conv_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return _conv_weights(ins, a) * out[1] * out[2]


def _conv_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    conv = em.nn.Conv2d(
        ins[0][0],
        a["filters"],
        a["kernel"],
        stride=a["stride"],
        padding=_padding_pair(a),
        dilation=a["dilation"],
        groups=a["groups"],
        bias=a["bias"],
    )
    return em.module(conv, xs[0])


def _conv_label(a: Attrs) -> str:
    extra = str(a["filters"])
    if a["groups"] != 1:
        extra += f", groups {a['groups']}"
    if a["dilation"] != (1, 1):
        extra += f", dilation {a['dilation'][0]}"
    return _window_label("conv", a, extra)


# ---------------------------------------------------------------- pools


def _pool_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        height, width = _window_out(op, ins[0], a)
        return (ins[0][0], height, width)

    return rule


def _maxpool_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    stride = a["stride"] or a["kernel"]
    return em.call(em.F.max_pool2d, xs[0], a["kernel"], stride, _padding_pair(a))


def _avgpool_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    stride = a["stride"] or a["kernel"]
    return em.call(em.F.avg_pool2d, xs[0], a["kernel"], stride, _padding_pair(a))


def _global_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        _need_map(op, ins[0])
        return (ins[0][0], 1, 1) if a["keepdims"] else (ins[0][0],)

    return rule


def _gap_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("mean", xs[0], (2, 3), a["keepdims"])


def _gmp_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("amax", xs[0], (2, 3), a["keepdims"])


# ---------------------------------------------------------------- norms, dense, misc


def _same_shape(ins: list[Shape], a: Attrs) -> Shape:
    return ins[0]


def _norm_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return 2 * ins[0][0]


def _bn_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    cls = em.nn.BatchNorm2d if len(ins[0]) == 3 else em.nn.BatchNorm1d
    return em.module(cls(ins[0][0], eps=a["eps"], momentum=a["momentum"]), xs[0])


def _dense_shape(ins: list[Shape], a: Attrs) -> Shape:
    _need_vector("dense", ins[0])
    return (a["units"],)


def _dense_params(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return int(ins[0][0] * a["units"] + (a["units"] if a["bias"] else 0))


def _dense_macs(ins: list[Shape], out: Shape, a: Attrs) -> int:
    return int(ins[0][0] * a["units"])


def _dense_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.module(em.nn.Linear(ins[0][0], a["units"], bias=a["bias"]), xs[0])


def _dropout_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.module(em.nn.Dropout(a["p"]), xs[0])


def _flatten_shape(ins: list[Shape], a: Attrs) -> Shape:
    return (math.prod(ins[0]),)


def _flatten_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.torch.flatten, xs[0], 1)


def _identity_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return xs[0]


def _activation(name: str, doc: str, owner: str, fn: str) -> OpSpec:
    """An element-wise activation: no attributes, shape unchanged; ``owner`` is torch or F."""

    def build(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
        return em.call(getattr(getattr(em, owner), fn), xs[0])

    return OpSpec(name, doc, (), _same_shape, build, lambda a: name, shape_doc="any → same")


# ---------------------------------------------------------------- merges


def _merge_mismatch(merge: str, ins: list[Shape], hint: str | None) -> ShapeError:
    shapes = " and ".join(format_shape(s) for s in ins)
    return ShapeError(M.MERGE_MISMATCH, hint, merge=merge, shapes=shapes)


def _projection_hint(ins: list[Shape]) -> str | None:
    shortcut, main = ins[0], ins[-1]
    if len(main) != 3 or len(shortcut) != 3:
        return None
    stride = shortcut[1] // main[1] if main[1] and shortcut[1] % main[1] == 0 else 1
    return M.projection_hint(format_shape(main), main[0], stride)


def _add_shape(ins: list[Shape], a: Attrs) -> Shape:
    if any(s != ins[0] for s in ins):
        raise _merge_mismatch("add", ins, _projection_hint(ins))
    return ins[0]


def _broadcast_channels(ins: list[Shape]) -> Shape | None:
    """The C×H×W shape when the other inputs are per-channel (C or C×1×1), else None."""
    maps = [s for s in ins if len(s) == 3 and s[1:] != (1, 1)]
    if len(set(maps)) > 1:
        return None
    full = maps[0] if maps else ins[0]
    for s in ins:
        if s != full and s not in ((full[0],), (full[0], 1, 1)):
            return None
    return full


def _mul_shape(ins: list[Shape], a: Attrs) -> Shape:
    shape = _broadcast_channels(ins)
    if shape is None:
        raise _merge_mismatch("mul", ins, M.HINT_MUL_SHAPES)
    return shape


def _concat_shape(ins: list[Shape], a: Attrs) -> Shape:
    first = ins[0]
    if any(len(s) != len(first) or s[1:] != first[1:] for s in ins):
        hint = None
        if all(len(s) == 3 for s in ins):
            hint = M.concat_hint(f"{s[1]}×{s[2]}" for s in ins)
        raise _merge_mismatch("concat", ins, hint)
    return (sum(s[0] for s in ins), *first[1:])


def _add_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    result = xs[0]
    for x in xs[1:]:
        result = em.call(operator.add, result, x)
    return result


def _mul_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    shaped = [
        em.method("view", x, -1, s[0], 1, 1) if len(s) == 1 and len(out) == 3 else x
        for x, s in zip(xs, ins, strict=False)
    ]
    result = shaped[0]
    for x in shaped[1:]:
        result = em.call(operator.mul, result, x)
    return result


def _concat_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.torch.cat, list(xs), 1)


# ---------------------------------------------------------------- upsample


def _upsample_shape(ins: list[Shape], a: Attrs) -> Shape:
    _need_map("upsample", ins[0])
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


def _upsample_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.interpolate, xs[0], scale_factor=a["scale"], mode=a["mode"])


def _softmax_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.torch.softmax, xs[0], 1)


def _layernorm_torch(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    norm = em.nn.LayerNorm(ins[0][0], eps=a["eps"])
    if len(ins[0]) == 1:
        return em.module(norm, xs[0])
    # Over channels of a C×H×W map: move C last, normalise, move it back.
    moved = em.method("permute", xs[0], 0, 2, 3, 1)
    return em.method("permute", em.module(norm, moved), 0, 3, 1, 2)


# ---------------------------------------------------------------- the table

_SIZE_DOC = "int, HxW or (h, w)"
_WINDOW_RULE = "H' = ⌊(H + 2p − d·(k−1) − 1) / s⌋ + 1"
_STRIDE = Attr(
    "stride",
    lambda v: None if v is None else _size(v),
    None,
    "step of the window (default: the kernel size)",
    _SIZE_DOC,
)
_POOL_ATTRS = (
    Attr("kernel", _size, (2, 2), "window size", _SIZE_DOC),
    _STRIDE,
    Attr("padding", _padding, "valid", "same, valid or explicit", "same | valid | int | (h, w)"),
)
_INIT = Attr(
    "init", _choice(*INIT_SCHEMES), "torch", "weight initialisation", " | ".join(INIT_SCHEMES)
)
_EPS = Attr("eps", _float, 1e-5, "added to the variance", "float")

_SPECS = [
    OpSpec(
        "conv",
        "2-D convolution (PyTorch Conv2d). padding=same keeps H×W at stride 1 (odd kernels).",
        (
            Attr("filters", _positive_int, doc="output channels", type_doc="int"),
            Attr("kernel", _size, doc="kernel size", type_doc=_SIZE_DOC),
            Attr("stride", _size, (1, 1), "step", _SIZE_DOC),
            Attr(
                "padding",
                _padding,
                "same",
                "same, valid or explicit",
                "same | valid | int | (h, w)",
            ),
            Attr("dilation", _size, (1, 1), "spacing of kernel taps", _SIZE_DOC),
            Attr("groups", _positive_int, 1, "channel groups (= channels: depthwise)", "int"),
            Attr("bias", _bool, True, "learn a bias per filter", "bool"),
            _INIT,
        ),
        _conv_shape,
        _conv_torch,
        _conv_label,
        _conv_params,
        _conv_macs,
        shape_doc=f"C×H×W → filters×H'×W', {_WINDOW_RULE} (same: p = ⌊d·(k−1)/2⌋); "
        "C and filters divisible by groups",
    ),
    OpSpec(
        "bn",
        "Batch normalisation over channels (BatchNorm2d on maps, BatchNorm1d on vectors).",
        (
            _EPS,
            Attr("momentum", _float, 0.1, "running-stat momentum (PyTorch convention)", "float"),
        ),
        _same_shape,
        _bn_torch,
        lambda a: "bn",
        _norm_params,
        shape_doc="any → same",
    ),
    OpSpec(
        "layernorm",
        "Layer normalisation over channels (per position on maps).",
        (_EPS,),
        _same_shape,
        _layernorm_torch,
        lambda a: "layernorm",
        _norm_params,
        shape_doc="any → same",
    ),
    _activation("relu", "max(x, 0)", "torch", "relu"),
    _activation("relu6", "min(max(x, 0), 6)", "F", "relu6"),
    _activation("gelu", "Gaussian error linear unit", "F", "gelu"),
    _activation("silu", "x·sigmoid(x) (swish)", "F", "silu"),
    _activation("sigmoid", "1 / (1 + e^-x)", "torch", "sigmoid"),
    _activation("hardswish", "x·relu6(x + 3) / 6", "F", "hardswish"),
    _activation("tanh", "hyperbolic tangent", "torch", "tanh"),
    OpSpec(
        "softmax",
        "Softmax over channels.",
        (),
        _same_shape,
        _softmax_torch,
        lambda a: "softmax",
        shape_doc="any → same",
    ),
    OpSpec(
        "dropout",
        "Zeroes elements with probability p while training.",
        (Attr("p", _probability, 0.5, "drop probability", "float in [0, 1)"),),
        _same_shape,
        _dropout_torch,
        lambda a: f"dropout {a['p']:g}",
        shape_doc="any → same",
    ),
    OpSpec(
        "dense",
        "Fully connected layer on a vector (PyTorch Linear).",
        (
            Attr("units", _positive_int, doc="output features", type_doc="int"),
            Attr("bias", _bool, True, "learn a bias", "bool"),
            _INIT,
        ),
        _dense_shape,
        _dense_torch,
        lambda a: f"dense {a['units']}",
        _dense_params,
        _dense_macs,
        shape_doc="F → units (needs a vector)",
    ),
    OpSpec(
        "flatten",
        "C×H×W → C·H·W.",
        (),
        _flatten_shape,
        _flatten_torch,
        lambda a: "flatten",
        shape_doc="C×H×W → C·H·W",
    ),
    OpSpec(
        "maxpool",
        "Max pooling.",
        _POOL_ATTRS,
        _pool_shape("maxpool"),
        _maxpool_torch,
        lambda a: _window_label("maxpool", a),
        shape_doc=f"C×H×W → C×H'×W', {_WINDOW_RULE}, s = stride (default: kernel), d = 1",
    ),
    OpSpec(
        "avgpool",
        "Average pooling.",
        _POOL_ATTRS,
        _pool_shape("avgpool"),
        _avgpool_torch,
        lambda a: _window_label("avgpool", a),
        shape_doc=f"C×H×W → C×H'×W', {_WINDOW_RULE}, s = stride (default: kernel), d = 1",
    ),
    OpSpec(
        "gap",
        "Global average pooling: C×H×W → C (or C×1×1 with keepdims=true).",
        (Attr("keepdims", _bool, False, "keep H and W as 1×1", "bool"),),
        _global_shape("gap"),
        _gap_torch,
        lambda a: "global avg pool",
        shape_doc="C×H×W → C (keepdims: C×1×1)",
    ),
    OpSpec(
        "gmp",
        "Global max pooling: C×H×W → C (or C×1×1 with keepdims=true).",
        (Attr("keepdims", _bool, False, "keep H and W as 1×1", "bool"),),
        _global_shape("gmp"),
        _gmp_torch,
        lambda a: "global max pool",
        shape_doc="C×H×W → C (keepdims: C×1×1)",
    ),
    OpSpec(
        "upsample",
        "Resize by a scale factor.",
        (
            Attr("scale", _float, 2.0, "scale factor", "number"),
            Attr(
                "mode",
                _choice("nearest", "bilinear"),
                "nearest",
                "interpolation",
                "nearest | bilinear",
            ),
        ),
        _upsample_shape,
        _upsample_torch,
        lambda a: f"upsample ×{a['scale']:g}",
        shape_doc="C×H×W → C×⌊H·scale⌋×⌊W·scale⌋",
    ),
    OpSpec(
        "identity",
        "Passes its input on unchanged.",
        (),
        _same_shape,
        _identity_torch,
        lambda a: "identity",
        shape_doc="any → same",
    ),
    OpSpec(
        "add",
        "Element-wise sum; all shapes equal.",
        (),
        _add_shape,
        _add_torch,
        lambda a: "+",
        merge=True,
        shape_doc="all inputs equal → that shape",
    ),
    OpSpec(
        "mul",
        "Element-wise product; per-channel weights (C or C×1×1) scale a C×H×W map.",
        (),
        _mul_shape,
        _mul_torch,
        lambda a: "×",
        merge=True,
        shape_doc="equal shapes, or C / C×1×1 with C×H×W → C×H×W",
    ),
    OpSpec(
        "concat",
        "Joins on channels, in order: the shortcut (or first branch) first.",
        (),
        _concat_shape,
        _concat_torch,
        lambda a: "concat",
        merge=True,
        shape_doc="C₁×H×W, C₂×H×W, … → (C₁+C₂+…)×H×W",
    ),
]

OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}

# The pseudo-op of the graph's single input node; its shape comes from `input [...]`.
INPUT_OP = "input"


def describe_attr_value(value: Any) -> str:
    """An attribute value as users write it (for labels, docs and messages)."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}x{value[1]}"
    if isinstance(value, (Symbol, str)):
        return str(value)
    return show_value(value)


__all__ += ["INIT_SCHEMES", "INPUT_OP", "describe_attr_value"]
