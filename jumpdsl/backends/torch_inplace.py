"""In-place ReLU where it is safe, as careful hand-written models have it (``inplace=True``).

Overwriting a ReLU's input saves one activation-sized allocation per ReLU. It is safe when the
input is a fresh tensor (not a view, not the caller's input) that nothing else reads, made by an
op whose backward does not need its own output: conv, batch norm, dense, add and concat.
"""

from __future__ import annotations

import operator

import torch
from torch import fx, nn

__all__ = ["relu_in_place"]

_FRESH_MODULES = (nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm, nn.Linear)
_FRESH_FUNCTIONS = (operator.add, torch.add, torch.cat)


def _fresh_and_private(node: fx.Node, root: nn.Module) -> bool:
    """True when ``node``'s value is a new tensor read by one node only."""
    if len(node.users) != 1:
        return False
    if node.op == "call_module":
        return isinstance(root.get_submodule(str(node.target)), _FRESH_MODULES)
    return node.op == "call_function" and node.target in _FRESH_FUNCTIONS


def relu_in_place(graph: fx.Graph, root: nn.Module) -> int:
    """Turn ``torch.relu(x)`` into ``torch.relu_(x)`` where that is safe; how many were."""
    changed = 0
    for node in graph.nodes:
        if node.op != "call_function" or node.target is not torch.relu:
            continue
        source = node.args[0]
        if isinstance(source, fx.Node) and _fresh_and_private(source, root):
            node.target = torch.relu_
            changed += 1
    return changed
