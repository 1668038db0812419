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
    """Shapes of the parameter tensors in the order forward() first uses them: each called
    module's (with its sub-modules', an attention's out_proj), and a node's own tensors
    (a class token) where the code reads them."""
    shapes, seen = [], set()
    for node in module.graph.nodes:
        if node.op == "call_module":
            params = list(module.get_submodule(node.target).parameters())
        elif node.op == "get_attr":
            owner, _, name = node.target.rpartition(".")
            params = [p for n, p in module.get_submodule(owner).named_parameters() if n == name]
        else:
            continue
        shapes += [list(p.shape) for p in params if id(p) not in seen]
        seen.update(id(p) for p in params)
    return shapes


def reference_shapes(entry: dict[str, Any]) -> list[list[int]]:
    """A reference entry's parameter shapes, in torchvision's module order."""
    return [shape for _, shape in entry["shapes"]]
