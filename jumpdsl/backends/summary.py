"""The summary of a checked network: per layer name, op, output shape, params and MACs; totals.

Pure Python over the IR attributes written by the shape pass; no torch.

>>> from jumpdsl.api import lower_text
>>> s = summarize(lower_text("network T { input [3, 8, 8] task { gap dense(2) } }"))
>>> s["params"], s["output_shape"], [layer["name"] for layer in s["layers"]]
(8, [2], ['task.gap1', 'task.dense1'])
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from jumpdsl.ir.graph import topo_order
from jumpdsl.ir.ops import INPUT_OP, OPS, format_shape

__all__ = ["format_summary", "layer_label", "summarize"]


def layer_label(data: dict[str, Any]) -> str:
    """The op's short description from the op table ('conv 3×3, 64, /2')."""
    return OPS[data["op"]].label(data["attrs"])


def summarize(graph: nx.DiGraph) -> dict[str, Any]:
    """A JSON-ready summary; keys ``name``, ``input_shape``, ``output_shape``, ``params``,
    ``macs`` and ``layers`` (each with ``name``, ``op``, ``label``, ``output_shape``,
    ``params``, ``macs``)."""
    layers = []
    for node in topo_order(graph):
        data = graph.nodes[node]
        if data["op"] == INPUT_OP:
            continue
        layers.append(
            {
                "name": node,
                "op": data["op"],
                "label": layer_label(data),
                "output_shape": list(data["shape"]),
                "params": data["params"],
                "macs": data["macs"],
            }
        )
    output = graph.nodes[graph.graph["output"]]["shape"]
    return {
        "name": graph.graph["name"],
        "input_shape": list(graph.graph["input_shape"]),
        "output_shape": list(output),
        "params": sum(layer["params"] for layer in layers),
        "macs": sum(layer["macs"] for layer in layers),
        "layers": layers,
    }


def _count(n: int) -> str:
    return f"{n:,}"


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as an aligned text table with a totals line."""
    rows = [("layer", "op", "output", "params", "MACs")]
    for layer in summary["layers"]:
        rows.append(
            (
                layer["name"],
                layer["label"],
                format_shape(tuple(layer["output_shape"])),
                _count(layer["params"]),
                _count(layer["macs"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) if i < 3 else row[i].rjust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        f"{summary['name']}: input {format_shape(tuple(summary['input_shape']))} → output "
        f"{format_shape(tuple(summary['output_shape']))}; "
        f"{_count(summary['params'])} trainable parameters; {_count(summary['macs'])} MACs"
    )
    return "\n".join(lines)
