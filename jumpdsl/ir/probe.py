"""Shapes while the graph is still being built: what a template's ``in_channels`` reads.

The shape pass annotates the finished graph; a template that reads ``in_channels`` needs the
shape of its input before the rest exists. The lowering makes every node after its inputs, so
creation order is a topological order and each node is computed once, on demand. Failures stay
silent here: the shape pass reports them, at the node that failed.

>>> g = nx.DiGraph()
>>> g.add_node("input", op="input", attrs={"shape": (3, 8, 8)})
>>> g.add_node("c", op="conv", attrs=OPS["conv"].resolve({"filters": 4, "kernel": (3, 3)}))
>>> g.add_edge("input", "c", port=0)
>>> ShapeProbe(g).shape("c")
(4, 8, 8)
"""

from __future__ import annotations

from itertools import islice

import networkx as nx

from jumpdsl.ir.graph import inputs_of
from jumpdsl.ir.ops import INPUT_OP, OPS, Shape, ShapeError

__all__ = ["ShapeProbe"]


class ShapeProbe:
    """Output shapes of the nodes made so far; None where a shape rule fails upstream."""

    def __init__(self, graph: nx.DiGraph) -> None:
        self.graph = graph
        self.shapes: dict[str, Shape | None] = {}

    def shape(self, node: str) -> Shape | None:
        for name in islice(self.graph.nodes, len(self.shapes), None):
            self.shapes[name] = self._compute(name)
        return self.shapes.get(node)

    def _compute(self, node: str) -> Shape | None:
        data = self.graph.nodes[node]
        if data["op"] == INPUT_OP:
            return tuple(data["attrs"]["shape"])
        ins: list[Shape] = []
        for source in inputs_of(self.graph, node):
            shape = self.shapes.get(source)
            if shape is None:
                return None
            ins.append(shape)
        try:
            return OPS[data["op"]].shape(ins, data["attrs"])
        except ShapeError:
            return None
