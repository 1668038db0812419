"""Pooling: windows (max, average), adaptive (to a given H×W) and global (over all of H×W)."""

from __future__ import annotations

from typing import Any

from jumpdsl.ops.attrs import SIZE_DOC, boolean, padding, size, stride_attr
from jumpdsl.ops.core import (
    Attr,
    Attrs,
    Emitter,
    Example,
    Op,
    Reference,
    Shape,
    ShapeRule,
    TorchBuilder,
    with_aliases,
)
from jumpdsl.ops.rules import label_size, need_map, padding_pair, window_label, window_out

__all__ = ["OPS"]

_WINDOW = (
    Attr("kernel", size, (2, 2), "window size", SIZE_DOC),
    stride_attr(),
    Attr("padding", padding, "valid", "same, valid or explicit", "same | valid | int | (h, w)"),
)
_WINDOW_DOC = (
    "C×H×W → C×H'×W', H' = ⌊(H + 2p − d·(k−1) − 1) / s⌋ + 1, s = stride (default: kernel), d = 1"
)


def _window_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        height, width = window_out(op, ins[0], a)
        return (ins[0][0], height, width)

    return rule


def _maxpool(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    stride = a["stride"] or a["kernel"]
    return em.call(em.F.max_pool2d, xs[0], a["kernel"], stride, padding_pair(a))


def _avgpool(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    stride = a["stride"] or a["kernel"]
    return em.call(em.F.avg_pool2d, xs[0], a["kernel"], stride, padding_pair(a))


def _windows(t: Any, x: Any, kernel: int, stride: int, pad: int, fill: float) -> Any:
    """Every k×k window of ``x`` as a column: N×C×(k·k)×L (padding filled with ``fill``)."""
    n, c = x.shape[:2]
    padded = t.F.pad(x, (pad, pad, pad, pad), value=fill)
    return t.F.unfold(padded, kernel, stride=stride).view(n, c, kernel * kernel, -1)


def _pooled(t: Any, x: Any, columns: Any, kernel: int, stride: int, pad: int) -> Any:
    n, c, h, w = x.shape
    side = (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1
    return columns.view(n, c, *side)


def _max_reference(t: Any, x: Any, w: Any) -> Any:
    columns = _windows(t, x, 3, 2, 1, float("-inf")).amax(2)
    return _pooled(t, x, columns, 3, 2, 1)


def _avg_reference(t: Any, x: Any, w: Any) -> Any:
    # avg_pool2d counts the zero padding in each window's mean (count_include_pad).
    columns = _windows(t, x, 3, 2, 1, 0.0).mean(2)
    return _pooled(t, x, columns, 3, 2, 1)


def _adaptive_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        need_map(op, ins[0])
        return (ins[0][0], *a["size"])

    return rule


def _adaptive_avg(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.adaptive_avg_pool2d, xs[0], a["size"])


def _adaptive_max(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.call(em.F.adaptive_max_pool2d, xs[0], a["size"])


def _adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows along one axis: output i pools inputs ⌊i·size/out⌋ to
    ⌈(i+1)·size/out⌉ − 1, so windows overlap or differ by one where out does not divide."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_reference(reduce: str, out: tuple[int, int]) -> Reference:
    def reference(t: Any, x: Any, w: Any) -> Any:
        rows = []
        for top, bottom in _adaptive_windows(x.shape[2], out[0]):
            row = []
            for left, right in _adaptive_windows(x.shape[3], out[1]):
                row.append(getattr(x[:, :, top:bottom, left:right], reduce)((2, 3)))
            rows.append(t.torch.stack(row, -1))
        return t.torch.stack(rows, -2)

    return reference


def _adaptive_op(name: str, kind: str, torch_name: str, build: TorchBuilder, reduce: str) -> Op:
    return Op(
        name,
        f"Adaptive {kind} pooling to h×w from any H×W (PyTorch {torch_name}): "
        f"output (i, j) pools rows ⌊iH/h⌋ … ⌈(i+1)H/h⌉ − 1, columns likewise.",
        _adaptive_shape(name),
        build,
        (Attr("size", size, doc="the output's h×w", type_doc=SIZE_DOC),),
        shape_doc="C×H×W → C×h×w (any H×W)",
        label=lambda a: f"adaptive {kind} pool {label_size(a['size'])}",
        usage=f"{name}(6x6)",
        examples=(
            Example(f"{name}((3, 2))", (2, 7, 5), _adaptive_reference(reduce, (3, 2))),
            Example(f"{name}(4)", (2, 3, 2), _adaptive_reference(reduce, (4, 4))),
        ),
    )


def _global_shape(op: str) -> ShapeRule:
    def rule(ins: list[Shape], a: Attrs) -> Shape:
        need_map(op, ins[0])
        return (ins[0][0], 1, 1) if a["keepdims"] else (ins[0][0],)

    return rule


def _gap(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("mean", xs[0], (2, 3), a["keepdims"])


def _gmp(em: Emitter, xs: list[Any], a: Attrs, ins: list[Shape], out: Shape) -> Any:
    return em.method("amax", xs[0], (2, 3), a["keepdims"])


_KEEPDIMS = Attr("keepdims", boolean, False, "keep H and W as 1×1", "bool")


def _global_examples(op: str, pool: str) -> tuple[Example, ...]:
    def flat(t: Any, x: Any, w: Any) -> Any:
        return getattr(t.F, pool)(x, 1).flatten(1)

    def kept(t: Any, x: Any, w: Any) -> Any:
        return getattr(t.F, pool)(x, 1)

    return (Example(op, (3, 5, 4), flat), Example(f"{op}(keepdims=true)", (3, 5, 4), kept))


def _window_op(name: str, doc: str, build: TorchBuilder, reference: Reference) -> Op:
    return Op(
        name,
        doc,
        _window_shape(name),
        build,
        _WINDOW,
        shape_doc=_WINDOW_DOC,
        label=lambda a: window_label(name, a),
        examples=(Example(f"{name}(3, stride=2, padding=1)", (3, 9, 8), reference),),
    )


OPS: tuple[Op, ...] = (
    _window_op("maxpool", "Max pooling.", _maxpool, _max_reference),
    _window_op("avgpool", "Average pooling.", _avgpool, _avg_reference),
    _adaptive_op("adaptive_avgpool", "average", "AdaptiveAvgPool2d", _adaptive_avg, "mean"),
    _adaptive_op("adaptive_maxpool", "max", "AdaptiveMaxPool2d", _adaptive_max, "amax"),
    Op(
        "gap",
        "Global average pooling: C×H×W → C (or C×1×1 with keepdims=true).",
        _global_shape("gap"),
        _gap,
        (_KEEPDIMS,),
        shape_doc="C×H×W → C (keepdims: C×1×1)",
        label=lambda a: "global avg pool",
        examples=_global_examples("gap", "adaptive_avg_pool2d"),
    ),
    Op(
        "gmp",
        "Global max pooling: C×H×W → C (or C×1×1 with keepdims=true).",
        _global_shape("gmp"),
        _gmp,
        (_KEEPDIMS,),
        shape_doc="C×H×W → C (keepdims: C×1×1)",
        label=lambda a: "global max pool",
        examples=_global_examples("gmp", "adaptive_max_pool2d"),
    ),
)

# What PyTorch and Keras call them, for the hint at an unknown name (BatchNorm2d → bn).
OPS = with_aliases(
    OPS,
    maxpool=("maxpool2d", "maxpooling2d", "maxpooling"),
    avgpool=("avgpool2d", "averagepooling2d", "avgpooling2d"),
    adaptive_avgpool=("adaptiveavgpool2d",),
    adaptive_maxpool=("adaptivemaxpool2d",),
    gap=(
        "globalaveragepooling2d",
        "globalavgpool2d",
        "globalavgpool",
        "globalaveragepooling",
    ),
    gmp=("globalmaxpooling2d", "globalmaxpool2d"),
)
