"""The shape pass: every node's output shape, parameter count and MACs, from the op table.

Writes ``in_shapes``, ``shape``, ``params`` and ``macs`` on every node (see
:mod:`jumpdsl.ir.graph`). A rule that fails becomes a diagnostic at the node's statement, with
secondary labels at the statements that produced its inputs; nodes downstream of a failure get
``shape = None`` and report nothing more (one mistake, one message).
"""

from __future__ import annotations

import networkx as nx

from jumpdsl import diagnostics as D
from jumpdsl.diagnostics import DiagnosticSink, Label
from jumpdsl.ir.graph import inputs_of, topo_order
from jumpdsl.ir.ops import INPUT_OP, OPS, ShapeError, format_shape

__all__ = ["infer_shapes"]


def infer_shapes(graph: nx.DiGraph, sink: DiagnosticSink) -> bool:
    """Annotate ``graph`` in place; True when every shape is known.

    >>> from jumpdsl.api import lower_text
    >>> g = lower_text("network T { input [3, 8, 8] stem { conv(4, 3x3, stride=2) } }")
    >>> infer_shapes(g, DiagnosticSink()), g.nodes["stem.conv1"]["shape"]
    (True, (4, 4, 4))
    """
    complete = True
    for node in topo_order(graph):
        data = graph.nodes[node]
        if data["op"] == INPUT_OP:
            data.update(in_shapes=[], shape=data["attrs"]["shape"], params=0, macs=0)
            continue
        preds = inputs_of(graph, node)
        in_shapes = [graph.nodes[p]["shape"] for p in preds]
        data.update(in_shapes=in_shapes, shape=None, params=0, macs=0)
        if any(s is None for s in in_shapes):
            complete = False
            continue
        spec = OPS[data["op"]]
        try:
            out = spec.shape(in_shapes, data["attrs"])
        except ShapeError as err:
            labels = tuple(
                Label(graph.nodes[p]["span"], f"this input is {format_shape(s)}")
                for p, s in zip(preds, in_shapes, strict=False)
                if spec.merge and graph.nodes[p]["span"] is not None
            )
            if data["trace"]:
                instance = node.rsplit(".", 1)[0]
                labels += (Label(data["trace"][0], f"in {instance}, made here"),)
            sink.report(D.CODES[err.code], data["span"], labels=labels, hint=err.hint, **err.fields)
            complete = False
            continue
        data.update(
            shape=out,
            params=spec.params(in_shapes, out, data["attrs"]),
            macs=spec.macs(in_shapes, out, data["attrs"]),
        )
    return complete
