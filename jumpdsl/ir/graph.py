"""The IR: a ``networkx.DiGraph`` with documented node, edge and graph attributes.

Node id = the node's scope path (``learner.group2.block3.conv1``), unique in the graph.

Node attributes written by :mod:`jumpdsl.ir.lower`:

``op``       name of an entry in :data:`jumpdsl.ir.ops.OPS`, or ``"input"``
``attrs``    the op's attributes, defaults filled in and values checked
``section``  ``"input"``, ``"stem"``, ``"learner"`` or ``"task"``
``span``     :class:`~jumpdsl.source.Span` of the statement that made the node
``trace``    spans of the template calls that led to it, outermost first
``order``    creation order; the key that makes every walk deterministic

Node attributes written by :mod:`jumpdsl.passes.shapes` (later stages only read them):

``in_shapes`` input shapes in port order; ``shape`` output shape (no batch axis), None when it
could not be computed; ``params`` trainable parameter count; ``macs`` multiply-accumulates.

Edge attributes: ``kind`` (``"flow"``, ``"skip"`` or ``"jump"``) and ``port`` (the input's
position at its consumer; merges take ports 0, 1, …).

Graph attributes: ``name``, ``input`` and ``output`` (node ids), ``input_shape``,
``params`` (the network parameters' values), ``source`` (path of the spec), ``scopes``
(template instance path → ``kind``, ``template``, ``call`` as written with values, ``span``).
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from jumpdsl.ir.ops import INPUT_OP, OPS

__all__ = ["EDGE_KINDS", "IRLintError", "inputs_of", "lint", "scope_parts", "topo_order"]

EDGE_KINDS = ("flow", "skip", "jump")


class IRLintError(Exception):
    """The graph breaks an IR invariant; the message says which node and how to fix it."""


def topo_order(graph: nx.DiGraph) -> Iterator[str]:
    """Nodes in a topological order that follows the source: same spec, same order.

    >>> g = nx.DiGraph()
    >>> g.add_node("b", order=1); g.add_node("a", order=2); g.add_node("c", order=0)
    >>> g.add_edge("c", "a"); g.add_edge("c", "b")
    >>> list(topo_order(g))
    ['c', 'b', 'a']
    """
    order = nx.get_node_attributes(graph, "order")
    # The lowering creates inputs before their consumers; then creation order is the same
    # lexicographic sort, found 100× faster (a 10,000-layer spec spent 0.1 s here).
    if all(order[u] < order[v] for u, v in graph.edges):
        return iter(sorted(order, key=order.__getitem__))
    return iter(nx.lexicographical_topological_sort(graph, key=order.__getitem__))


def inputs_of(graph: nx.DiGraph, node: str) -> list[str]:
    """The node's inputs in port order.

    >>> g = nx.DiGraph()
    >>> g.add_edge("x", "m", port=1); g.add_edge("y", "m", port=0)
    >>> inputs_of(g, "m")
    ['y', 'x']
    """
    preds = graph.pred[node]
    return sorted(preds, key=lambda p: preds[p]["port"])


def scope_parts(node: str) -> list[str]:
    """``'learner.group2.block3.conv1'`` → ``['learner', 'group2', 'block3', 'conv1']``."""
    return node.split(".")


_NODE_KEYS = ("op", "attrs", "section", "span", "trace", "order")


def lint(graph: nx.DiGraph) -> None:
    """Check the invariants every stage relies on; raise :class:`IRLintError` if one fails.

    >>> g = nx.DiGraph(input="input", output="input")
    >>> g.add_node("input", op="input", attrs={}, section="input", span=None, trace=(), order=0)
    >>> lint(g)
    """
    for key in ("input", "output"):
        if graph.graph.get(key) not in graph:
            raise IRLintError(
                f"graph attribute '{key}' must name a node; set graph.graph['{key}'] to the "
                f"id of the {key} node"
            )
    for node, data in graph.nodes(data=True):
        missing = [k for k in _NODE_KEYS if k not in data]
        if missing:
            raise IRLintError(f"node '{node}' lacks {missing}; create nodes through the lowering")
        op = data["op"]
        if op != INPUT_OP and op not in OPS:
            raise IRLintError(f"node '{node}' has unknown op '{op}'; add it to ir/ops.py OPS")
        ports = sorted(d["port"] for _, _, d in graph.in_edges(node, data=True))
        expected = 0 if op == INPUT_OP else (len(ports) if op != INPUT_OP and OPS[op].merge else 1)
        if ports != list(range(expected)) or (op in OPS and OPS[op].merge and expected < 2):
            raise IRLintError(
                f"node '{node}' ({op}) has input ports {ports}; a layer takes port 0 only, a "
                f"merge ports 0..n-1 with n >= 2, the input node none"
            )
    for u, v, data in graph.edges(data=True):
        if data.get("kind") not in EDGE_KINDS:
            raise IRLintError(
                f"edge {u} -> {v} has kind {data.get('kind')!r}; use one of {EDGE_KINDS}"
            )
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise IRLintError(f"the graph has a cycle through {cycle[0][0]}; tensors must flow forward")
