"""The shape engine and the shape pass: every node's output shape, parameters and MACs, from
the graph's op table (``graph.ops``).

One engine (:class:`ShapeEngine`) applies the op table's rules, node by node in creation order,
and writes a :class:`Shapes` record per node. Lowering runs it silently on the nodes made so
far, when a template reads ``in_channels``; the pass (:func:`infer_shapes`) runs it over the
rest and then reports every failure, at the node's statement, with notes at the statements
that produced a merge's inputs. A node downstream of a failure gets ``shape = None`` and
reports nothing more (one mistake, one message).

>>> from jumpdsl.api import lower_text
>>> g = lower_text("network T { input [3, 8, 8] stem { conv(4, 3x3, stride=2) } }")
>>> g.get(Shapes, "stem.conv1").shape, g.get(Shapes, "stem.conv1").params
((4, 4, 4), 112)
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink, Label
from jumpdsl.ir.graph import Graph
from jumpdsl.ops.attrs import INT64_MAX
from jumpdsl.ops.core import Shape, ShapeError, format_shape

__all__ = ["ShapeEngine", "Shapes", "infer_shapes"]


class _ShapeFields(NamedTuple):
    in_shapes: tuple[Shape, ...]
    shape: Shape | None
    params: int = 0
    macs: int = 0
    failure: ShapeError | None = None


class Shapes(_ShapeFields):
    """What the shape pass knows of a node: its inputs' shapes in port order, its output shape
    (None where a rule failed, here or upstream), trainable parameters and multiply-accumulates.
    ``failure`` is the rule's error when it failed at this node."""

    __slots__ = ()
    PASS: ClassVar[str] = "the shape pass (jumpdsl.passes.shapes.infer_shapes)"


class ShapeEngine:
    """Writes :class:`Shapes` records in creation order, each node once, on demand."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.done = 0  # nodes computed, in creation order

    def shape(self, node: str) -> Shape | None:
        """The output shape of ``node`` (made already), computing what comes before it."""
        self.run()
        record = self.graph.peek(Shapes, node)
        return None if record is None else record.shape

    def run(self) -> None:
        """Compute every node made so far."""
        records = self.graph.records(Shapes)
        for node in self.graph.created(self.done):
            if node not in records:  # an earlier engine may have done it
                records[node] = self._compute(node, records)
            self.done += 1

    def _compute(self, node: str, records: dict[str, Shapes]) -> Shapes:
        data = self.graph[node]
        if data.is_input:
            return Shapes((), tuple(data.attrs["shape"]))
        ins: list[Shape] = []
        for source in self.graph.inputs(node):
            shape = records[source].shape
            if shape is None:
                return Shapes(tuple(ins), None)
            ins.append(shape)
        spec = self.graph.ops[data.op]
        attrs = data.attrs
        try:
            out = spec.shape(ins, attrs)
            _check_size(data.op, out)
            return Shapes(tuple(ins), out, spec.params(ins, out, attrs), spec.macs(ins, out, attrs))
        except ShapeError as err:
            return Shapes(tuple(ins), None, failure=err.with_traceback(None))


def _check_size(op: str, shape: Shape) -> None:
    """A tensor torch can make: its element count within a 64-bit size."""
    elements = math.prod(shape)
    if elements > INT64_MAX:
        raise ShapeError(M.SHAPE_TOO_LARGE, op=op, elements=M.big_count(elements))


def infer_shapes(graph: Graph, sink: DiagnosticSink) -> bool:
    """Finish the shape records of ``graph`` (those lowering computed are kept) and report the
    failures; True when every shape is known."""
    ShapeEngine(graph).run()
    complete = True
    for node in graph.order():
        record = graph.peek(Shapes, node)
        assert record is not None
        if record.shape is None:
            complete = False
        if record.failure is not None:
            _report(graph, node, record, record.failure, sink)
    graph.finish(Shapes)
    return complete


def _report(graph: Graph, node: str, record: Shapes, err: ShapeError, sink: DiagnosticSink) -> None:
    data = graph[node]
    spec = graph.ops[data.op]
    labels: tuple[Label, ...] = ()
    if spec.merge:
        for source, shape in zip(graph.inputs(node), record.in_shapes, strict=False):
            span = graph[source].span
            if span is not None:
                labels += (Label(span, M.note_input_shape(format_shape(shape))),)
    if data.trace:
        labels += (Label(data.trace[0], M.note_made_in(node.rsplit(".", 1)[0])),)
    sink.report(err.message, data.span, labels=labels, hint=err.hint, **err.fields)
