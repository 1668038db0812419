"""View of the IR → DOT text (through the ``graphviz`` package).

Clusters follow the scope paths that stay open at the chosen depth; boxes, layers, merges and
shortcut paths are styled by the theme; edges by their kind (flow, skip, jump), the same at every
level, with the tensor's shape where it changes. The hints that steer Graphviz's layout are in
:mod:`jumpdsl.backends.draw_layout`. No torch here.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

from jumpdsl.backends.draw_labels import cluster_label, node_label
from jumpdsl.backends.draw_layout import (
    TITLE_EDGE,
    align_paths,
    cluster_hints,
    edge_hints,
    node_hints,
    title_edges,
    title_id,
)
from jumpdsl.backends.draw_legend import add_legend
from jumpdsl.backends.draw_theme import Theme, theme
from jumpdsl.backends.draw_view import View, ViewEdge, ViewNode, build_view
from jumpdsl.ir.graph import Graph
from jumpdsl.ir.ops import Shape, format_shape
from jumpdsl.options import RANKDIRS
from jumpdsl.passes.shapes import Shapes

__all__ = ["SHAPES", "DrawOptions", "to_dot"]

SHAPES = ("changes", "all", "none")  # which edges carry the tensor's shape


@dataclass(frozen=True)
class DrawOptions:
    """Everything that decides a figure. ``depth=None``: the deepest level that stays small."""

    depth: int | None = None
    focus: str | None = None
    rankdir: str = "TB"
    shapes: str = "changes"
    params: bool = False
    legend: bool = True
    theme: str = "color"
    font: str | None = None
    font_size: float | None = None


def to_dot(graph: Graph, options: DrawOptions | None = None) -> str:
    """DOT source for the checked IR: deterministic, same graph and options → same text."""
    options = options or DrawOptions()
    if options.shapes not in SHAPES or options.rankdir not in RANKDIRS:
        raise ValueError(f"shapes: one of {SHAPES}; rankdir: one of {RANKDIRS}")
    look = theme(options.theme, options.font, options.font_size)
    view = build_view(graph, options.depth, options.focus)
    dot = _digraph(graph.name, options.rankdir, look)
    _emit_clusters(dot, graph, view, options, look)
    labelled = _labelled_edges(graph, view, options.shapes)
    for edge in view.edges:
        label = format_shape(_shape(graph, edge.tensor)) if edge in labelled else ""
        hints = edge_hints(edge, view, options.rankdir)
        dot.edge(edge.tail, edge.head, label=label, **look.edges[edge.kind], **hints)
    align_paths(dot, view)
    if options.legend:
        add_legend(dot, graph, view, look, options.rankdir)
    return dot.source


def _digraph(name: str, rankdir: str, look: Theme) -> graphviz.Digraph:
    dot = graphviz.Digraph(name)
    size = f"{look.font_size:g}"
    dot.attr(
        rankdir=rankdir,
        fontname=look.font,
        fontsize=size,
        nodesep="0.3",
        ranksep="0.25",
        newrank="true",
        outputorder="edgesfirst",  # nodes drawn over edge ends
        pad="0.1",
    )
    dot.attr(
        "node",
        fontname=look.font,
        fontsize=size,
        height="0.3",
        margin="0.1,0.04",
        color=look.line,
        penwidth=f"{look.penwidth:g}",
    )
    dot.attr("edge", fontname=look.font, fontsize=f"{look.font_size * 0.8:g}", arrowsize="0.6")
    return dot


def _emit_clusters(
    dot: graphviz.Digraph, graph: Graph, view: View, options: DrawOptions, look: Theme
) -> None:
    """Clusters nested by scope path, nodes inside their innermost open scope, in view order."""
    children: dict[str, list[str]] = {"": []}
    for cluster in view.clusters:
        parents = [c for c in view.clusters if cluster.startswith(c + ".")]
        children.setdefault(max(parents, key=len) if parents else "", []).append(cluster)
        children.setdefault(cluster, [])
    for node in view.nodes.values():
        children[node.clusters[-1] if node.clusters else ""].append(node.id)

    def emit(target: graphviz.Digraph, prefix: str) -> None:
        for child in children[prefix]:
            if child in view.nodes:
                attrs = {**_node_attrs(graph, view.nodes[child], look), **node_hints(view, child)}
                target.node(
                    child, node_label(graph, view, view.nodes[child], options.params), **attrs
                )
                continue
            label = cluster_label(graph, child, options.params)
            with target.subgraph(name=f"cluster_{child}") as sub:
                sub.attr(
                    label="" if titled else label,
                    **cluster_hints(options.rankdir),
                    style="rounded,filled",
                    color=look.cluster_line,
                    fillcolor=look.cluster_fill,
                    penwidth=f"{look.penwidth:g}",
                )
                if titled:
                    sub.node(title_id(child), label, shape="plaintext", height="0.2", margin="0")
                emit(sub, child)

    titled = options.rankdir == "TB"
    emit(dot, "")
    if titled:
        for tail, head in title_edges(view):
            dot.edge(tail, head, **TITLE_EDGE)


def _node_attrs(graph: Graph, node: ViewNode, look: Theme) -> dict[str, str]:
    if node.role in ("input", "output", "port"):
        return {"shape": "plaintext", "height": "0.2"}
    if node.role == "merge":
        return look.merge_node()
    op = graph[node.id].op if node.role == "layer" else None
    style = "rounded,filled,dashed" if node.role == "path" else "rounded,filled"  # dashed: a path
    return {"shape": "box", "style": style, "fillcolor": look.fill(node.role, op)}


def _shape(graph: Graph, node: str) -> Shape:
    return graph.get(Shapes, node).shape or ()


def _labelled_edges(graph: Graph, view: View, shapes: str) -> set[ViewEdge]:
    """The edges that show their tensor's shape: all, none, or once per tensor where a node
    changes it (and where a tensor enters the figure)."""
    if shapes != "changes":
        return set(view.edges) if shapes == "all" else set()
    entering: dict[str, tuple[int, ...]] = {}
    for edge in sorted(view.edges, key=lambda e: e.kind != "flow"):
        entering.setdefault(edge.head, _shape(graph, edge.tensor))
    labelled: set[ViewEdge] = set()
    seen: set[str] = set()
    for edge in sorted(view.edges, key=lambda e: e.kind != "flow"):
        shape = _shape(graph, edge.tensor)
        if edge.tail not in seen and entering.get(edge.tail) != shape:
            labelled.add(edge)
        seen.add(edge.tail)
    return labelled
