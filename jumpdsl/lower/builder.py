"""The IR builder: the only code that writes a :class:`jumpdsl.ir.graph.Graph`.

It names nodes after their scope (``learner.group2.block3.conv1``: the third block's first
conv), keeps the limits (layers, statements, repetitions), and records each template instance.
A limit passed is reported and stops lowering (:class:`jumpdsl.diagnostics.Aborted`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.ir.graph import Edge, Graph, NamedOutput, NamedTensor, Node, Scope
from jumpdsl.source import Span

__all__ = ["Builder", "Limits"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what a spec may expand to; passing them fails fast with a diagnostic."""

    max_nodes: int = 100_000
    max_template_depth: int = 64

    @property
    def max_steps(self) -> int:
        # Statements executed, nodes or not: bounds `repeat` of empty bodies too.
        return 20 * self.max_nodes


class Builder:
    """Makes the nodes and edges of one graph, in creation order."""

    def __init__(self, graph: Graph, sink: DiagnosticSink, limits: Limits) -> None:
        self.graph = graph
        self.sink = sink
        self.limits = limits
        self.steps = 0
        self.max_steps = limits.max_steps  # read at every statement
        self._counters: dict[str, dict[str, int]] = {}
        self._edges: dict[tuple[str, int], Edge] = {}

    def next_name(self, path: str, key: str) -> str:
        """The next free name for ``key`` in scope ``path``: ``conv1``, ``conv2``, …"""
        counter = self._counters.get(path)
        if counter is None:  # not setdefault: that would build a dict on every call
            counter = self._counters[path] = {}
        count = counter[key] = counter.get(key, 0) + 1
        return f"{path}.{key}{count}" if path else f"{key}{count}"

    def tick(self, span: Span) -> None:
        """Count one statement executed."""
        self.steps += 1
        if self.steps > self.max_steps:
            self.sink.abort(M.TOO_MANY_STATEMENTS, span, limit=self.max_steps)

    def repeated(self, times: int, span: Span, once: Callable[[str], str], cur: str) -> str:
        """``once`` applied ``times`` times. After the first time, what the rest would add is
        known: a spec that would pass a limit stops here, in the time of one repetition."""
        if times == 1:  # most calls: nothing to foresee
            cur = once(cur)
            self.tick(span)
            return cur
        if times > self.max_steps:
            self._too_big(span, M.repeats_times(times))
        for index in range(times):
            nodes, steps = len(self.graph), self.steps
            cur = once(cur)
            self.tick(span)
            if index == 0 and times > 1:
                total_nodes = len(self.graph) + (len(self.graph) - nodes) * (times - 1)
                total_steps = self.steps + (self.steps - steps) * (times - 1)
                if total_nodes > self.limits.max_nodes:
                    self._too_big(span, M.expands_to_about(total_nodes))
                if total_steps > self.max_steps:
                    self._too_big(span, M.runs_about(total_steps))
        return cur

    def _too_big(self, span: Span, what: str) -> NoReturn:
        self.sink.abort(M.EXPANSION_TOO_BIG, span, what=what, limit=self.limits.max_nodes)

    def add_node(
        self,
        node: str,
        op: str,
        attrs: Mapping[str, Any],
        section: str,
        span: Span | None,
        trace: tuple[Span, ...],
        label: str | None = None,
    ) -> str:
        order = len(self.graph)
        if order >= self.limits.max_nodes:
            self.sink.abort(M.TOO_MANY_LAYERS, span, limit=self.limits.max_nodes)
        self.graph.add_node(Node(node, op, attrs, section, span, trace, order, label))
        return node

    def connect(self, inputs: list[tuple[str, str]], node: str) -> None:
        """Edges from ``(source, kind)`` pairs into ``node``, on ports 0, 1, …"""
        for port, (source, kind) in enumerate(inputs):
            edge = self._edges.get((kind, port))
            if edge is None:  # an edge is a value: one per kind and port serves every layer
                edge = self._edges[kind, port] = Edge(kind, port)
            self.graph.add_edge(source, node, edge)

    def add_scope(self, path: str, scope: Scope) -> None:
        self.graph.add_scope(path, scope)

    def add_output(self, output: NamedOutput) -> None:
        self.graph.add_output(output)

    def name_tensor(self, name: str, node: str, scope: str, span: Span) -> None:
        """Record an ``as NAME`` (editors show the tensor's shape where it is named)."""
        self.graph.add_tensor(NamedTensor(name, node, scope, span))
