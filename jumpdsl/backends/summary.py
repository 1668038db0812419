"""The summary of a checked network: per layer name, op, output shape, params and MACs; totals.

Pure Python over the IR attributes written by the shape pass; no torch.

>>> from jumpdsl.api import lower_text
>>> s = summarize(lower_text("network T { input [3, 8, 8] task { gap dense(2) } }"))
>>> s["params"], s["output_shape"], [layer["name"] for layer in s["layers"]]
(8, [2], ['task.gap1', 'task.dense1'])
"""

from __future__ import annotations

from typing import Any

from jumpdsl.backends.memory import activation_memory, layer_bytes
from jumpdsl.ir.graph import Graph, Node
from jumpdsl.ops.core import format_shape
from jumpdsl.passes.shapes import Shapes

__all__ = ["format_bytes", "format_summary", "layer_label", "summarize"]


def layer_label(graph: Graph, node: Node) -> str:
    """The op's short description from the graph's op table ('conv 3×3, 64, /2')."""
    return graph.ops[node.op].label(node.attrs)


def summarize(graph: Graph, *, batch_size: int = 1) -> dict[str, Any]:
    """A JSON-ready summary; keys ``name``, ``input_shape``, ``output_shape``, ``params``,
    ``macs``, ``batch_size``, ``activation_bytes`` and ``peak_activation_bytes`` (float32 at
    ``batch_size``, see :mod:`jumpdsl.backends.memory`) and ``layers`` (each with ``name``,
    ``op``, ``label``, ``output_shape``, ``params``, ``macs``, ``activation_bytes``)."""
    memory = layer_bytes(graph, batch_size)
    totals = activation_memory(graph, batch_size)
    layers = []
    for node in graph.nodes():
        if node.is_input:
            continue
        shapes = graph.get(Shapes, node.id)
        layers.append(
            {
                "name": node.id,
                "op": node.op,
                "label": layer_label(graph, node),
                "output_shape": list(shapes.shape or ()),
                "params": shapes.params,
                "macs": shapes.macs,
                "activation_bytes": memory[node.id],
            }
        )
    output = graph.get(Shapes, graph.output).shape or ()
    return {
        "name": graph.name,
        "input_shape": list(graph.input_shape),
        "output_shape": list(output),
        "params": sum(layer["params"] for layer in layers),
        "macs": sum(layer["macs"] for layer in layers),
        "batch_size": batch_size,
        "activation_bytes": totals["total"],
        "peak_activation_bytes": totals["peak"],
        "layers": layers,
    }


def _count(n: int) -> str:
    return f"{n:,}"


def format_bytes(n: int) -> str:
    """``1536`` → ``'1.5 KiB'``.

    >>> format_bytes(512), format_bytes(3 * 2**20)
    ('512 B', '3.0 MiB')
    """
    size, unit = float(n), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as an aligned text table with a totals line."""
    rows = [("layer", "op", "output", "params", "MACs", "activations")]
    for layer in summary["layers"]:
        rows.append(
            (
                layer["name"],
                layer["label"],
                format_shape(tuple(layer["output_shape"])),
                _count(layer["params"]),
                _count(layer["macs"]),
                format_bytes(layer["activation_bytes"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) if i < 3 else row[i].rjust(widths[i]) for i in range(6)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        f"{summary['name']}: input {format_shape(tuple(summary['input_shape']))} → output "
        f"{format_shape(tuple(summary['output_shape']))}; "
        f"{_count(summary['params'])} trainable parameters; {_count(summary['macs'])} MACs"
    )
    lines.append(
        f"activations at batch {summary['batch_size']} (float32): "
        f"{format_bytes(summary['activation_bytes'])} in all layers' outputs, "
        f"{format_bytes(summary['peak_activation_bytes'])} at the peak of a forward pass"
    )
    return "\n".join(lines)
