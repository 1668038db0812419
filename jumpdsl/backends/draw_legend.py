"""The legend: one compact row under the figure, of what needs explaining and is drawn there:
the shortcut kinds (skip, jump: the main flow explains itself) and the merge symbols.

Each sample is drawn with the very attributes the figure uses, so the legend cannot drift from
the drawing; a sample's arrow ends a gap before its word.
"""

from __future__ import annotations

from itertools import pairwise

import graphviz

from jumpdsl.backends.draw_labels import dot_text, merge_symbol
from jumpdsl.backends.draw_layout import Columns
from jumpdsl.backends.draw_sizes import Sizer
from jumpdsl.backends.draw_theme import Theme
from jumpdsl.backends.draw_view import View
from jumpdsl.ir.graph import EDGE_KINDS, Graph
from jumpdsl.ops.core import Op

__all__ = ["LEGEND_TEXT", "add_legend", "legend_items"]

LEGEND_TEXT = {"skip": "skip", "jump": "jump"}
_MERGE_TEXT = {"add": "add", "mul": "multiply", "concat": "concat"}


def legend_items(graph: Graph, view: View) -> list[tuple[str, str]]:
    """(``edge`` or ``merge``, kind or op) for each entry, in the legend's order."""
    kinds = [k for k in EDGE_KINDS if k in LEGEND_TEXT and any(e.kind == k for e in view.edges)]
    merges = dict.fromkeys(graph[n.id].op for n in view.nodes.values() if n.role == "merge")
    return [("edge", k) for k in kinds] + [("merge", op) for op in merges]


def add_legend(
    dot: graphviz.Digraph,
    graph: Graph,
    view: View,
    look: Theme,
    sizer: Sizer,
    rankdir: str,
    columns: Columns,
) -> None:
    """Add the legend below the figure (beside its end, left to right): a row of the
    shortcut kinds over a row of the merges, each hung centred under the end of the flow, so
    it is never wider than a narrow figure needs; nothing when there is nothing to explain.
    Left to right, the entries stand in a column after the output, each read left to right
    across the ranks there."""
    items = legend_items(graph, view)
    if not items:
        return
    if rankdir == "LR":
        _stacked(dot, graph, items, look, sizer, view, columns)
        return
    rows: list[list[str]] = [[], []]
    with dot.subgraph(name="legend") as legend:
        for kind, name in items:
            if kind == "edge":
                rows[0] += _edge_sample(legend, name, look, sizer)
            else:
                rows[1] += _merge_sample(legend, graph.ops[name], look, sizer)
    above = dict.fromkeys([*columns.bottoms, *(["output"] if "output" in view.nodes else [])])
    for nodes in (r for r in rows if r):
        with dot.subgraph() as row:
            row.attr(rank="same")
            for node in nodes:
                row.node(node)
            for left, right in pairwise(nodes):
                if not (left.endswith(".a") and right.endswith(".b")):
                    row.edge(left, right, style="invis", minlen="0")  # 0: no gap kept for it
        middle = nodes[len(nodes) // 2]
        for bottom in above:
            dot.edge(bottom, middle, style="invis", weight="0" if bottom != "output" else "1")
        above = dict.fromkeys([middle])


def _stacked(
    dot: graphviz.Digraph,
    graph: Graph,
    items: list[tuple[str, str]],
    look: Theme,
    sizer: Sizer,
    view: View,
    columns: Columns,
) -> None:
    entries = []
    with dot.subgraph(name="legend") as legend:
        for kind, name in items:
            if kind == "edge":
                start, end, text = _edge_sample(legend, name, look, sizer)
                legend.edge(end, text, style="invis", minlen="1")
            else:
                start, text = _merge_sample(legend, graph.ops[name], look, sizer)
                legend.edge(start, text, style="invis", minlen="2")
            entries.append(start)
    with dot.subgraph() as column:
        column.attr(rank="same")
        for start in entries:
            column.node(start)
        for above, below in pairwise(entries):
            column.edge(above, below, style="invis", minlen="0")
    ends = dict.fromkeys([*columns.bottoms, *(["output"] if "output" in view.nodes else [])])
    for end in ends:
        dot.edge(end, entries[len(entries) // 2], style="invis", weight="0")


def _edge_sample(legend: graphviz.Digraph, kind: str, look: Theme, sizer: Sizer) -> list[str]:
    start, end, text = f"legend.{kind}.a", f"legend.{kind}.b", f"legend.{kind}.text"
    spacer = {"shape": "point", "style": "invis", "width": "0.12", "fixedsize": "true"}
    legend.node(start, "", **spacer)
    legend.node(end, "", **spacer)
    legend.node(text, LEGEND_TEXT[kind], **sizer.text(LEGEND_TEXT[kind], size=sizer.small))
    legend.edge(start, end, tailclip="false", headclip="false", **look.edges[kind])
    return [start, end, text]


def _merge_sample(legend: graphviz.Digraph, op: Op, look: Theme, sizer: Sizer) -> list[str]:
    symbol, text = f"legend.{op.name}", f"legend.{op.name}.text"
    legend.node(symbol, dot_text(merge_symbol(op)), **look.merge_node(), **sizer.circle())
    word = _MERGE_TEXT.get(op.name, op.name)
    legend.node(text, dot_text(word), **sizer.text(word, size=sizer.small))
    return [symbol, text]
