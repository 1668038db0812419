"""The legend: one short sample edge per edge kind in the figure, one sample per merge op.

Only what the figure shows is explained; each sample is drawn with the very attributes the
figure uses, so the legend cannot drift from the drawing.
"""

from __future__ import annotations

from itertools import pairwise

import graphviz

from jumpdsl.backends.draw_labels import merge_symbol
from jumpdsl.backends.draw_theme import Theme
from jumpdsl.backends.draw_view import View
from jumpdsl.ir.graph import EDGE_KINDS, Graph

__all__ = ["LEGEND_TEXT", "add_legend"]

_TEXT = {"shape": "plaintext", "width": "0", "height": "0.2", "margin": "0.04,0"}
LEGEND_TEXT = {"flow": "main flow", "skip": "skip (block)", "jump": "jump (group)"}


def add_legend(dot: graphviz.Digraph, graph: Graph, view: View, look: Theme, rankdir: str) -> None:
    """Add the legend; nothing when the figure has no edges.

    Samples read left to right in either direction. Top to bottom, each sample lies in one
    rank, the rows follow each other in a framed cluster beside the task. Left to right, each
    sample spans two ranks and the rows stack below the task, unframed: dot keeps the order
    asked for within a rank only outside clusters.
    """
    kinds = [k for k in EDGE_KINDS if any(e.kind == k for e in view.edges)]
    merges = list(dict.fromkeys(graph[n.id].op for n in view.nodes.values() if n.role == "merge"))
    if not kinds:
        return
    flat = rankdir == "TB"
    anchors = _anchors(view)
    with dot.subgraph(name="cluster_legend" if flat else "legend") as legend:
        legend.attr(label="", style="rounded", color=look.cluster_line, margin="4")
        items = [_edge_sample(legend, kind, look, flat) for kind in kinds]
        items += [_merge_sample(legend, op, look, flat) for op in merges]
    if flat:
        for (above, _), (below, _) in pairwise(items):
            dot.edge(above, below, style="invis")
        for anchor, (start, _) in zip(anchors, items, strict=False):
            _same_rank(dot, anchor, start, chain=True)
    else:
        _same_rank(dot, anchors[0], *(start for start, _ in items), chain=True)
        _same_rank(dot, *(text for _, text in items), chain=True)


def _anchors(view: View) -> list[str]:
    """The nodes the legend's rows sit beside: the spine after its last cluster (task and
    output, usually), so the legend fills that empty corner instead of widening the figure."""
    spine = [n for n in view.nodes.values() if n.spine]
    clustered = [i for i, n in enumerate(spine) if n.clusters]
    after = spine[clustered[-1] + 1 :] if clustered else []
    return [n.id for n in after] or [spine[-1].id]


def _edge_sample(legend: graphviz.Digraph, kind: str, look: Theme, flat: bool) -> tuple[str, str]:
    start, text = f"legend.{kind}", f"legend.{kind}.text"
    legend.node(start, "", shape="point", width="0.01", color="#ffffff00")
    legend.node(text, LEGEND_TEXT[kind], **_TEXT)
    legend.edge(start, text, minlen="2" if flat else "1", weight="10", **look.edges[kind])
    if flat:
        _same_rank(legend, start, text)
    return start, text


def _merge_sample(legend: graphviz.Digraph, op: str, look: Theme, flat: bool) -> tuple[str, str]:
    start, text = f"legend.{op}", f"legend.{op}.text"
    legend.node(start, merge_symbol(op), **look.merge_node())
    legend.node(text, op, **_TEXT)
    legend.edge(start, text, style="invis", minlen="0" if flat else "1", weight="10")
    if flat:
        _same_rank(legend, start, text)
    return start, text


def _same_rank(target: graphviz.Digraph, *nodes: str, chain: bool = False) -> None:
    """Put ``nodes`` in one rank; ``chain`` also orders them with invisible edges."""
    with target.subgraph() as row:
        row.attr(rank="same")
        for node in nodes:
            row.node(node)
        if chain:
            for left, right in pairwise(nodes):
                row.edge(left, right, style="invis", minlen="0")  # 0: no gap kept for it
