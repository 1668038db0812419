"""The summary of a checked network: per layer name, op, output shape, params and MACs; totals.

Pure Python over the IR attributes written by the shape pass; no torch.

>>> from jumpdsl.api import lower_text
>>> s = summarize(lower_text("network T { input [3, 8, 8] task { gap dense(2) } }"))
>>> s["params"], s["output_shape"], [layer["name"] for layer in s["layers"]]
(8, [2], ['task.gap1', 'task.dense1'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jumpdsl.backends.memory import BYTES_PER_ELEMENT, activation_memory, layer_bytes
from jumpdsl.ir.graph import Graph, Node
from jumpdsl.ops.core import format_shape
from jumpdsl.passes.shapes import Shapes

__all__ = [
    "Row",
    "aligned",
    "depth_of",
    "format_bytes",
    "format_macs",
    "format_summary",
    "format_totals",
    "layer_label",
    "rows",
    "shown_outputs",
    "summarize",
    "with_module_counts",
]


def layer_label(graph: Graph, node: Node) -> str:
    """The op's short description from the graph's op table ('conv 3×3, 64, /2')."""
    return graph.ops[node.op].label(node.attrs)


def summarize(graph: Graph, *, batch_size: int = 1) -> dict[str, Any]:
    """A JSON-ready summary; keys ``name``, ``input_shape``, ``output_shape``, ``params``,
    ``macs``, ``batch_size``, ``activation_bytes`` and ``peak_activation_bytes`` (float32 at
    ``batch_size``, see :mod:`jumpdsl.backends.memory`), ``scopes`` (each template instance's
    path → its template's name), with ``output NAME`` statements ``outputs`` (name → shape,
    ``out`` the main one, first) and ``layers`` (each with ``name``,
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
    extra = {}
    if graph.multi_output:  # `output NAME`: every output's shape, the main one first
        extra["outputs"] = {
            name: list(graph.get(Shapes, node).shape or ())
            for name, node in graph.outputs().items()
        }
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
        "scopes": {path: scope.template for path, scope in graph.scopes.items()},
        **extra,
    }


def shown_outputs(summary: dict[str, Any]) -> str:
    """What the network gives, in words: ``10`` or, with named outputs, ``out 21×8×8, aux …``."""
    if "outputs" not in summary:
        return format_shape(tuple(summary["output_shape"]))
    return ", ".join(
        f"{name} {format_shape(tuple(shape))}" for name, shape in summary["outputs"].items()
    )


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


def with_module_counts(summary: dict[str, Any], module: Any) -> dict[str, Any]:
    """``summary`` with what only the built module knows, per layer and in all (as
    torchinfo counts them): ``trainable`` and ``frozen`` parameters (``requires_grad`` off)
    and ``buffers`` (batch norm's running statistics: state, not parameters)."""
    names = {layer["name"] for layer in summary["layers"]}
    frozen: dict[str | None, int] = {}
    buffers: dict[str | None, int] = {}
    for name, tensor in module.named_parameters():
        if not tensor.requires_grad:
            owner = _owner(name, names)
            frozen[owner] = frozen.get(owner, 0) + tensor.numel()
    for name, tensor in module.named_buffers():
        owner = _owner(name, names)
        buffers[owner] = buffers.get(owner, 0) + tensor.numel()
    layers = [
        {**layer, "frozen": frozen.get(layer["name"], 0), "buffers": buffers.get(layer["name"], 0)}
        for layer in summary["layers"]
    ]
    total_frozen = sum(frozen.values())  # a tensor of no layer (the input's) counts too
    return {
        **summary,
        "layers": layers,
        "trainable_params": summary["params"] - total_frozen,
        "non_trainable_params": total_frozen,
        "buffers": sum(buffers.values()),
    }


def _owner(tensor_name: str, layers: set[str]) -> str | None:
    """The layer a tensor of the module belongs to: the longest layer name its name starts
    with (a plugin's module may nest: ``…cbam1.channel.fc1.weight``); None for none."""
    parts = tensor_name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:end]) in layers:
            return ".".join(parts[:end])
    return None


def format_macs(n: int) -> str:
    """``4_089_184_256`` → ``'4.09 G'``.

    >>> format_macs(4_089_184_256), format_macs(950)
    ('4.09 G', '950')
    """
    for scale, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return str(n)


@dataclass(frozen=True)
class Row:
    """One line of a summary table: a layer, or a template instance (stem, a group, a block)
    with the subtotals of the layers inside it."""

    name: str
    level: int  # 1 for a section, 2 for what a section holds, …
    kind: str  # the op's label, or the template's name
    output_shape: tuple[int, ...]
    params: int
    macs: int
    activation_bytes: int
    layers: int


def depth_of(summary: dict[str, Any]) -> int:
    """The deepest level of the network's hierarchy (a layer's path: ``learner.group1.block2.conv1``
    is at level 4)."""
    return max((layer["name"].count(".") + 1 for layer in summary["layers"]), default=1)


def rows(summary: dict[str, Any], depth: int | None = None) -> list[Row]:
    """The table's rows down to ``depth`` (None: every layer), in the network's order: each
    instance first with its subtotals, then what it holds; a level's rows add up to the
    level above."""
    found: dict[str, list[dict[str, Any]]] = {}
    for layer in summary["layers"]:
        parts = layer["name"].split(".")
        for level in range(1, min(len(parts), depth or len(parts)) + 1):
            found.setdefault(".".join(parts[:level]), []).append(layer)
    kinds = summary.get("scopes", {})
    return [
        Row(
            name,
            name.count(".") + 1,
            group[0]["label"] if group[0]["name"] == name else kinds.get(name, "section"),
            tuple(group[-1]["output_shape"]),
            sum(layer["params"] for layer in group),
            sum(layer["macs"] for layer in group),
            sum(layer["activation_bytes"] for layer in group),
            len(group),
        )
        for name, group in found.items()
    ]


def format_totals(summary: dict[str, Any]) -> list[str]:
    """The totals, a few lines: what the network takes and gives, its parameters (trainable,
    not, their size in float32), its buffers, MACs and activation memory."""
    params = summary["params"]
    trainable = summary.get("trainable_params", params)
    lines = [
        f"{summary['name']}: input {format_shape(tuple(summary['input_shape']))} → "
        f"{'outputs' if 'outputs' in summary else 'output'} {shown_outputs(summary)}",
        f"params: {_count(params)} ({format_bytes(params * BYTES_PER_ELEMENT)} in float32): "
        f"{_count(trainable)} trainable, {_count(params - trainable)} non-trainable"
        + (f"; buffers: {_count(summary['buffers'])}" if "buffers" in summary else ""),
        f"MACs: {format_macs(summary['macs'])} ({_count(summary['macs'])}) per input",
        f"activations at batch {summary['batch_size']} (float32): "
        f"{format_bytes(summary['activation_bytes'])} in all layers' outputs, "
        f"{format_bytes(summary['peak_activation_bytes'])} at the peak of a forward pass",
    ]
    return lines


def aligned(table: Sequence[Sequence[str]], left: Sequence[int], rule: bool = False) -> list[str]:
    """The rows of ``table`` as lines, its columns aligned: those in ``left`` to the left,
    the others (figures) to the right; ``rule`` draws a line under the first row.

    >>> aligned([("name", "params"), ("a", "1,024")], left=(0,))
    ['name  params', 'a      1,024']
    """
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for index, row in enumerate(table):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
        if rule and index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def format_summary(summary: dict[str, Any], depth: int | None = None, brief: bool = False) -> str:
    """The summary as text: the totals first, then (unless ``brief``) an aligned table of
    the rows down to ``depth`` (None: every layer), with a line saying how to see more."""
    lines = format_totals(summary)
    if brief:
        return "\n".join(lines)
    table = [("layer", "kind", "output", "params", "MACs", "activations")]
    for row in rows(summary, depth):
        table.append(
            (
                "  " * (row.level - 1) + row.name.rpartition(".")[2],
                row.kind if row.layers == 1 else f"{row.kind} ({row.layers} layers)",
                format_shape(row.output_shape),
                _count(row.params),
                _count(row.macs),
                format_bytes(row.activation_bytes),
            )
        )
    lines.append("")
    lines.extend(aligned(table, left=(0, 1, 2), rule=True))
    deepest = depth_of(summary)
    if depth is not None and depth < deepest:
        lines.append("")
        lines.append(
            f"rows to depth {depth} of {deepest}; every layer: depth {deepest} "
            f"(jumpdsl compile --depth {deepest}, jumpdsl.summary(…, depth={deepest}))"
        )
    return "\n".join(lines)
