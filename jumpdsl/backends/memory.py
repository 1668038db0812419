"""Activation memory of one forward pass, from the shapes alone (no torch).

Two figures at a batch size, float32 (4 bytes an element):

- ``total``: every layer's output added up, what a training step keeps for the backward
  pass (an upper bound: an in-place ReLU shares its input's memory);
- ``peak``: the most bytes alive at once when the layers run in order and each output is freed
  after its last reader (the input included): what inference needs at least.

>>> from jumpdsl.api import lower_text
>>> g = lower_text("network T { input [3, 8, 8] stem { conv(4, 3x3) } task { gap dense(2) } }")
>>> layer_bytes(g, 1)["stem.conv1"], activation_memory(g, 1)
(1024, {'total': 1048, 'peak': 1792})
"""

from __future__ import annotations

import math

from jumpdsl.ir.graph import Graph
from jumpdsl.passes.shapes import Shapes

__all__ = ["BYTES_PER_ELEMENT", "activation_memory", "layer_bytes"]

BYTES_PER_ELEMENT = 4  # float32


def _bytes(graph: Graph, node: str, batch: int) -> int:
    return batch * math.prod(graph.get(Shapes, node).shape or ()) * BYTES_PER_ELEMENT


def layer_bytes(graph: Graph, batch: int) -> dict[str, int]:
    """Bytes of each layer's output at ``batch`` (the input node left out)."""
    return {node.id: _bytes(graph, node.id, batch) for node in graph.nodes() if not node.is_input}


def _peak(graph: Graph, batch: int) -> int:
    readers_left = {node: len(graph.users(node)) for node in graph}
    alive = peak = 0
    for node in graph:
        alive += _bytes(graph, node, batch)  # the output exists while the inputs still do
        peak = max(peak, alive)
        for source in graph.inputs(node):
            readers_left[source] -= 1
            if readers_left[source] == 0:
                alive -= _bytes(graph, source, batch)
    return peak


def activation_memory(graph: Graph, batch: int) -> dict[str, int]:
    """``{"total": …, "peak": …}`` in bytes at ``batch`` (see the module's doc)."""
    return {"total": sum(layer_bytes(graph, batch).values()), "peak": _peak(graph, batch)}
