"""torchvision's figures (tests/data/torchvision_reference.json, written by
scripts/torchvision_reference.py) and the view of a compiled spec that is compared with them."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import torch

from conftest import ROOT
from jumpdsl.backends.torch_fx import build_module

REFERENCE = ROOT / "tests" / "data" / "torchvision_reference.json"


@cache
def torchvision_reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def compile_on_meta(graph: Any) -> torch.fx.GraphModule:
    """The compiled module with weights on the meta device: shapes only, built in no time."""
    with torch.device("meta"):
        return build_module(graph)


def forward_param_shapes(module: torch.fx.GraphModule) -> list[list[int]]:
    """Shapes of the parameter tensors, module by module in the order forward() calls them."""
    shapes = []
    for node in module.graph.nodes:
        if node.op == "call_module":
            owner = module.get_submodule(node.target)
            shapes += [list(p.shape) for p in owner.parameters(recurse=False)]
    return shapes


def reference_shapes(entry: dict[str, Any]) -> list[list[int]]:
    """A reference entry's parameter shapes, in torchvision's module order."""
    return [shape for _, shape in entry["shapes"]]
