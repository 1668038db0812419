"""Every spec in specs/ and the zoo traced whole by dynamo (torch.compile's front end).

Weights on the meta device, so tracing does no arithmetic and needs no memory for weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch._dynamo

from jumpdsl.api import check_file
from jumpdsl.backends.torch_fx import build_module

__all__ = ["Traced", "trace_specs"]

SPECS = Path(__file__).resolve().parent.parent / "specs"


@dataclass
class Traced:
    spec: str
    layers: int
    graphs: int
    breaks: int
    seconds: float


def _trace(path: Path) -> Traced:
    graph = check_file(path).raise_for_errors()
    with torch.device("meta"):
        module = build_module(graph).eval()
    x = torch.empty(1, *graph.input_shape, device="meta")
    torch._dynamo.reset()
    start = time.perf_counter()
    explained = torch._dynamo.explain(module)(x)
    return Traced(
        path.name,
        len(graph),
        explained.graph_count,
        explained.graph_break_count,
        time.perf_counter() - start,
    )


def trace_specs() -> list[Traced]:
    """One row per spec, in name order."""
    zoo = SPECS.parent / "jumpdsl" / "zoo"
    return [_trace(path) for path in sorted([*SPECS.glob("*.jnet"), *zoo.glob("*.jnet")])]
