"""View of the IR → DOT text (through the ``graphviz`` package).

Clusters follow the parts that stay open at the chosen depth; boxes, layers, merges and
shortcut paths are styled by the theme; edges by their kind (flow, skip, jump), the same at every
level, with the tensor's shape where it changes. Every node is sized here, from the real font's
glyph widths (:mod:`jumpdsl.backends.draw_fonts`), so the text fits its box whichever Graphviz
lays it out. The hints that steer Graphviz's layout are in :mod:`jumpdsl.backends.draw_layout`;
how big the figure is drawn (font size, columns) is :class:`Fit`'s. No torch here.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

from jumpdsl.backends.draw_fonts import LINE_HEIGHT, Font, resolve_font
from jumpdsl.backends.draw_labels import WRAP, cluster_label, dot_label, dot_text, node_label
from jumpdsl.backends.draw_layout import (
    TITLE_EDGE,
    Columns,
    align_arms,
    align_paths,
    cluster_hints,
    edge_hints,
    fold_columns,
    framed,
    node_hints,
    rewire,
    title_edges,
    title_id,
)
from jumpdsl.backends.draw_legend import add_legend
from jumpdsl.backends.draw_sizes import Sizer, inches
from jumpdsl.backends.draw_theme import Theme, theme
from jumpdsl.backends.draw_view import View, ViewEdge, ViewNode, build_view
from jumpdsl.ir.graph import Graph
from jumpdsl.ops.core import Shape, format_shape
from jumpdsl.options import DRAW_STYLES, FONT_NAME, RANKDIRS
from jumpdsl.passes.shapes import Shapes

__all__ = ["SHAPES", "DrawOptions", "Fit", "build_dot", "to_dot", "view_of"]

SHAPES = ("changes", "all", "none")
# which edges carry the tensor's shape


@dataclass(frozen=True)
class DrawOptions:
    """Everything that decides a figure. ``depth=None``: the deepest level that stays small.
    ``width``/``height``: the most the figure may take, in points (None: as large as it
    comes); ``min_font``: the smallest text allowed, in points, when it is fitted to a width."""

    depth: int | None = None
    focus: str | None = None
    rankdir: str = "TB"
    shapes: str = "changes"
    params: bool = False
    legend: bool = True
    theme: str = "color"
    font: str | None = None
    font_size: float | None = None
    width: float | None = None
    height: float | None = None
    min_font: float = 6.0
    collapse: bool = True
    fold: bool = False
    style: str = "flat"

    def __post_init__(self) -> None:
        if self.shapes not in SHAPES or self.rankdir not in RANKDIRS:
            raise ValueError(f"shapes: one of {SHAPES}; rankdir: one of {RANKDIRS}")
        if self.style not in DRAW_STYLES:
            raise ValueError(f"style: one of {DRAW_STYLES}")
        if self.font is not None and not FONT_NAME.fullmatch(self.font):
            raise ValueError(f"font: {self.font!r} is not a font family's name")


@dataclass(frozen=True)
class Fit:
    """How a figure is drawn: its base font size in points, how many columns (rows, left
    to right) its main flow is folded into, how long a box's lines may be."""

    font_size: float
    columns: int = 1
    wrap: int = WRAP  # characters per line of a box's summary
    frames: bool = True  # the sections' frames (learner, stem, task): left out when too wide


def view_of(graph: Graph, options: DrawOptions) -> View:
    return build_view(
        graph, options.depth, options.focus, collapse=options.collapse, fold=options.fold
    )


def to_dot(
    graph: Graph,
    options: DrawOptions | None = None,
    *,
    fit: Fit | None = None,
    system: bool = True,
    view: View | None = None,
) -> str:
    """DOT source for the checked IR: deterministic, same graph and options → same text.
    ``system``: sized for the fonts of the system's Graphviz (else the embedded one's)."""
    return build_dot(graph, options or DrawOptions(), fit=fit, system=system, view=view)[0]


def build_dot(
    graph: Graph,
    options: DrawOptions,
    *,
    fit: Fit | None = None,
    system: bool = True,
    view: View | None = None,
    font: Font | None = None,
) -> tuple[str, int]:
    """The DOT source and how many columns its main flow was really folded into. ``font``:
    the theme's font resolved already (once for all the layouts a fit tries)."""
    look = theme(options.theme, options.font, options.font_size)
    fit = fit or Fit(look.font_size)
    font = font or resolve_font(look.font, system=system)
    view = view or view_of(graph, options)
    sizer = Sizer(font, fit.font_size)
    heights = spine_heights(graph, view, sizer, options.params, fit.wrap)
    columns = fold_columns(view, fit.columns, heights, titled=options.rankdir == "TB")
    view = rewire(view, columns)
    dot = _digraph(graph.name, options.rankdir, font, sizer)
    _emit_clusters(dot, graph, view, options, look, sizer, columns, fit)
    labelled = _labelled_edges(graph, view, options.shapes)
    for edge in view.edges:
        label = format_shape(_shape(graph, edge.tensor)) if edge in labelled else ""
        hints = edge_hints(edge, view, options.rankdir, columns)
        dot.edge(edge.tail, edge.head, label=label, **look.edges[edge.kind], **hints)
    align_paths(dot, view)
    align_arms(dot, view)
    columns.align_tops(dot)
    if options.legend:
        add_legend(dot, graph, view, look, sizer, options.rankdir, columns)
    return dot.source, columns.count


def spine_heights(
    graph: Graph, view: View, sizer: Sizer, params: bool, wrap: int
) -> dict[str, float]:
    """Each spine node's height in points, for balancing folded columns."""
    heights = {}
    for node in view.nodes.values():
        if node.spine:
            lines = node_label(graph, view, node, params, wrap).count("\\n") + 1
            heights[node.id] = (lines * LINE_HEIGHT + 0.6) * sizer.size + sizer.gap
    return heights


def _digraph(name: str, rankdir: str, font: Font, sizer: Sizer) -> graphviz.Digraph:
    dot = graphviz.Digraph(name)
    size = f"{sizer.size:g}"
    family = dot_text(font.family)  # --font is the user's words
    dot.attr(
        rankdir=rankdir,
        fontname=family,
        fontsize=size,
        nodesep=inches(1.6 * sizer.size),
        ranksep=inches(sizer.gap),
        newrank="true",
        outputorder="edgesfirst",  # nodes drawn over edge ends
        pad="0.01",  # no outer margin: a hair, so no line on the border is cut
        margin="0",
    )
    dot.attr("node", fontname=family, fontsize=size, margin="0")
    dot.attr("edge", fontname=family, fontsize=f"{sizer.small:g}", arrowsize="0.6")
    return dot


def _emit_clusters(
    dot: graphviz.Digraph,
    graph: Graph,
    view: View,
    options: DrawOptions,
    look: Theme,
    sizer: Sizer,
    columns: Columns,
    fit: Fit,
) -> None:
    """Clusters nested by scope path, nodes inside their innermost open scope, in view order.
    A folded figure has no section frames: a frame cannot span two columns."""
    shown = framed(view, folded=columns.count > 1 or not fit.frames)
    children: dict[str, list[str]] = {"": []}
    for cluster in shown:
        parents = [c for c in shown if cluster.startswith(c + ".")]
        children.setdefault(max(parents, key=len) if parents else "", []).append(cluster)
        children.setdefault(cluster, [])
    for node in view.nodes.values():
        inner = [c for c in node.clusters if c in children]
        children[inner[-1] if inner else ""].append(node.id)

    def emit(target: graphviz.Digraph, prefix: str) -> None:
        for child in children[prefix]:
            if child in view.nodes:
                node = view.nodes[child]
                label = node_label(graph, view, node, options.params, fit.wrap)
                attrs = _node_attrs(graph, node, look, sizer, label)
                target.node(child, dot_label(label), **attrs, **node_hints(view, child, columns))
                continue
            label = cluster_label(graph, view, child, options.params, fit.wrap)
            with target.subgraph(name=f"cluster_{child}") as sub:
                sub.attr(
                    label="" if titled else dot_label(label),
                    **cluster_hints(options.rankdir),
                    style="rounded,filled",
                    color=look.cluster_line,
                    fillcolor=look.cluster_fill,
                    penwidth=f"{look.penwidth:g}",
                    margin=f"{0.45 * sizer.size:.1f}",
                )
                if titled:
                    sub.node(title_id(child), dot_label(label), **sizer.text(label))
                emit(sub, child)

    titled = options.rankdir == "TB"
    emit(dot, "")
    if titled:
        for tail, head in title_edges(view, set(shown)):
            dot.edge(tail, head, **TITLE_EDGE, **columns.crossing(tail, head))


def _node_attrs(
    graph: Graph, node: ViewNode, look: Theme, sizer: Sizer, label: str
) -> dict[str, str]:
    if node.role in ("input", "output", "port"):
        return sizer.text(label)
    if node.role == "continue":  # where a folded flow comes in at a column's top
        return {"shape": "point", "width": "0.03", "color": look.line}
    line = {"color": look.line, "penwidth": f"{look.penwidth:g}"}
    if node.role == "merge":
        return {**look.merge_node(), **sizer.circle(), **line}
    op = graph[node.id].op if node.role == "layer" else None
    style = "rounded,filled,dashed" if node.role == "path" else "rounded,filled"  # dashed: a path
    fill = look.fill("box" if node.role == "run" else node.role, op)
    return {"shape": "box", "style": style, "fillcolor": fill, **sizer.box(label), **line}


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
        if view.nodes[edge.head].role == "continue":
            continue  # a long edge to the next column: its shape is said where it comes in
        changes = entering.get(edge.tail) != shape or view.nodes[edge.tail].role == "continue"
        if edge.tail not in seen and changes:
            labelled.add(edge)
        seen.add(edge.tail)
    return labelled
