"""What each statement made: from a checked graph, the IR nodes of each statement (by
``Node.span``), the template instances of each call (``Graph.scopes``), the tensors named with
``as NAME`` (``Graph.tensors``), each with its shapes in and out, parameters and MACs.

Spans are keyed by the file on disk, so a template in the standard library finds its instances
in every open spec that uses it.

>>> from pathlib import Path
>>> from jumpdsl.api import check_text
>>> text = "block B(c: int) { conv(c, 3x3) }\\nnetwork T { input [3, 8, 8] stem { B(4) B(8) } }"
>>> index = Index.of(check_text(text, "t.jnet"), {"t.jnet": Path("t.jnet")})
>>> [(i.path, i.shape, i.params) for i in index.templates["B"]]
[('stem.block1', (4, 8, 8), 112), ('stem.block2', (8, 8, 8), 296)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jumpdsl.api import Checked
from jumpdsl.ir.graph import Graph
from jumpdsl.ops.core import Shape
from jumpdsl.passes.shapes import Shapes
from jumpdsl.source import Span

__all__ = ["Index", "Instance", "SpanKey", "span_key"]

SpanKey = tuple[str, int, int, int, int]


def span_key(file: Path | str, span: Span) -> SpanKey:
    """A span as a key that does not depend on how its file was named."""
    return (str(file), span.line, span.column, span.end_line, span.end_column)


@dataclass(frozen=True)
class Instance:
    """One thing a statement expanded to: a layer (a node) or a template instance (a scope).

    ``shape`` is None where the shape rule failed (or something before it did); ``values``
    are a template instance's parameters.
    """

    path: str
    label: str
    in_shapes: tuple[Shape | None, ...]
    shape: Shape | None
    params: int
    macs: int
    values: tuple[tuple[str, Any], ...] = ()
    failure: str | None = None


def _shapes(graph: Graph, node: str) -> Shapes | None:
    return graph.get(Shapes, node) if graph.has(Shapes) else None


@dataclass
class Index:
    """The instances of each statement, call and template of one checked spec."""

    graph: Graph | None
    nodes: dict[SpanKey, list[Instance]] = field(default_factory=dict)
    calls: dict[SpanKey, list[Instance]] = field(default_factory=dict)
    templates: dict[str, list[Instance]] = field(default_factory=dict)
    tensors: dict[SpanKey, list[Instance]] = field(default_factory=dict)

    @property
    def shaped(self) -> bool:
        """Whether there is a graph with shapes to show."""
        return self.graph is not None and self.graph.has(Shapes)

    @classmethod
    def of(cls, checked: Checked, files: Mapping[str, Path]) -> Index:
        """The index of ``checked``; ``files`` maps each shown path to its file."""
        graph = checked.graph
        index = cls(graph)
        if graph is None:
            return index

        def key(span: Span) -> SpanKey:
            return span_key(files.get(span.path, span.path), span)

        members = _scope_members(graph)
        for node in graph.nodes():
            if node.span is not None and not node.is_input:
                index.nodes.setdefault(key(node.span), []).append(_node_instance(graph, node.id))
        for path, scope in graph.scopes.items():
            instance = _scope_instance(graph, path, members.get(path, []))
            index.calls.setdefault(key(scope.span), []).append(instance)
            index.templates.setdefault(scope.template, []).append(instance)
        for tensor in graph.tensors:
            instance = _node_instance(graph, tensor.node, f"{tensor.scope}: {tensor.name}")
            index.tensors.setdefault(key(tensor.span), []).append(instance)
        return index


def _node_instance(graph: Graph, node: str, path: str | None = None) -> Instance:
    record = _shapes(graph, node)
    data = graph[node]
    if record is None:
        return Instance(path or node, data.op, (), None, 0, 0)
    failure = None
    if record.failure is not None:
        failure = record.failure.message.text(record.failure.fields)
    return Instance(
        path or node,
        data.op,
        record.in_shapes,
        record.shape,
        record.params,
        record.macs,
        failure=failure,
    )


def _scope_members(graph: Graph) -> dict[str, list[str]]:
    """Each template instance's nodes, in creation order."""
    members: dict[str, list[str]] = defaultdict(list)
    for node in graph.created():
        parts = node.split(".")
        for end in range(1, len(parts)):
            prefix = ".".join(parts[:end])
            if prefix in graph.scopes:
                members[prefix].append(node)
    return members


def _scope_instance(graph: Graph, path: str, nodes: list[str]) -> Instance:
    scope = graph.scopes[path]
    inside = set(nodes)
    sources: list[str] = []
    for node in nodes:
        for source in graph.inputs(node):
            if source not in inside and source not in sources:
                sources.append(source)
    records = [_shapes(graph, n) for n in nodes]
    ins = tuple((r.shape if (r := _shapes(graph, s)) else None) for s in sources)
    last = records[-1] if records else None
    shape = last.shape if last is not None else (ins[0] if len(ins) == 1 else None)
    return Instance(
        path,
        scope.call,
        ins,
        shape,
        sum(r.params for r in records if r is not None),
        sum(r.macs for r in records if r is not None),
        scope.values,
    )
