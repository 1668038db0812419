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
import re
from dataclasses import dataclass

from jumpdsl.ir.graph import Graph
from jumpdsl.passes.shapes import Shapes

__all__ = [
    "BYTES_PER_ELEMENT",
    "DEFAULT_MAX_MEMORY",
    "DEFAULT_MAX_PARAMS",
    "Estimate",
    "ResourceLimits",
    "activation_memory",
    "estimate",
    "layer_bytes",
    "parse_size",
]

BYTES_PER_ELEMENT = 4  # float32
# What compile, load, export and train build without being asked to build more: 2**31
# parameters (8 GiB of float32 weights, past the largest ImageNet classifiers by ten), and
# 16 GiB of weights and activations together (a workstation's memory, or a large GPU's).
DEFAULT_MAX_PARAMS = 2**31
DEFAULT_MAX_MEMORY = 16 * 2**30


@dataclass(frozen=True)
class ResourceLimits:
    """The most a build may take: parameters, and bytes of weights plus activations."""

    max_params: int = DEFAULT_MAX_PARAMS
    max_memory: int = DEFAULT_MAX_MEMORY


@dataclass(frozen=True)
class Estimate:
    """What building ``graph`` and running it at ``batch`` takes, before any tensor is made:
    ``params`` and their bytes, and the activations' bytes (the peak of one forward pass, or,
    ``training``, every output kept for the backward pass)."""

    params: int
    weight_bytes: int
    activation_bytes: int
    batch: int

    @property
    def memory(self) -> int:
        return self.weight_bytes + self.activation_bytes


def estimate(graph: Graph, batch: int, *, training: bool = False) -> Estimate:
    """The estimate from the shape pass's records (no torch)."""
    params = sum(graph.get(Shapes, node).params for node in graph)
    figures = activation_memory(graph, batch)
    activations = figures["total"] if training else figures["peak"]
    return Estimate(params, params * BYTES_PER_ELEMENT, activations, batch)


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from ``8G``, ``512M``, ``1.5GiB``, ``1000000`` (binary units); ValueError else.

    >>> parse_size("8G"), parse_size("512m"), parse_size("1.5GiB"), parse_size("100")
    (8589934592, 536870912, 1610612736, 100)
    """
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a size: {text!r} (write it as 16G, 512M or a number of bytes)")
    power = " kmgtp".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * 1024**power)


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
