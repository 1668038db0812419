"""Every op's examples, from the op table itself: the core's, the test plugin's
(tests/plugins/jumpdsl_testops.py) and the worked plugin's (examples/plugins/jumpdsl-cbam).
No list of ops is kept here: a new entry is tested as soon as it is in the table, and an entry
without an example fails test_ops.py."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from conftest import PLUGINS  # noqa: F401  (puts the test plugins on the search path)
from jumpdsl.api import check_text
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.ir.graph import Graph
from jumpdsl.lower.network import lower
from jumpdsl.ops.core import Example, Op
from jumpdsl.ops.loading import op_table
from jumpdsl.ops.table import OpTable
from jumpdsl.passes.shapes import infer_shapes
from jumpdsl.source import SourceFile
from jumpdsl.syntax.parser import parse

TEST_PLUGINS = ("jumpdsl_testops", "jumpdsl_cbam.ops")
TABLE = op_table(TEST_PLUGINS, autoload=False)
KIT = SimpleNamespace(torch=torch, nn=nn, F=F)  # what a reference may use
BATCH = 3


@dataclass(frozen=True)
class Case:
    op: Op
    index: int
    example: Example

    @property
    def id(self) -> str:
        return f"{self.op.name}-{self.index + 1}"

    def spec(self) -> str:
        shape = ", ".join(map(str, self.example.input))
        return f"network Example {{\n    input [{shape}]\n    stem {{ {self.example.body} }}\n}}\n"

    def plugins(self) -> list[str]:
        origin = TABLE.origin(self.op.name)
        return [] if origin is None else [origin.module]


def cases(table: OpTable = TABLE) -> list[Case]:
    return [Case(op, i, ex) for op in table.values() for i, ex in enumerate(op.examples)]


CASES = cases()
IDS = [c.id for c in CASES]


def graph_of(case: Case, table: OpTable | None = None) -> Graph:
    """The checked IR of the example's spec (the test plugin loaded where it needs it)."""
    if table is None:
        return check_text(case.spec(), plugins=case.plugins()).raise_for_errors()
    # The same spec lowered with another table (one with a broken entry, say).
    sink = DiagnosticSink()
    module = parse(SourceFile("example.jnet", case.spec()), sink)
    graph = lower(module, sink, ops=table) if module is not None else None
    assert graph is not None and infer_shapes(graph, sink), sink.items
    return graph


def op_node(graph: Graph, op: str) -> str:
    """The first node of ``op`` in the graph."""
    return next(n for n in graph if graph[n].op == op)


def randomise(module: nn.Module, seed: int = 0) -> None:
    """Every float tensor drawn anew: parameters in [-1, 1], buffers (running statistics, a
    blur's kernel) in [0.5, 1.5]. A builder that ignores a weight, or a reference that reads
    the wrong one, shows (the defaults are often 0 and 1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in module.parameters():
            tensor.copy_(torch.rand(tensor.shape, generator=generator) * 2 - 1)
        for tensor in module.buffers():
            if tensor.is_floating_point():
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)


def node_tensors(module: nn.Module, node: str) -> dict[str, torch.Tensor]:
    """The op node's parameters and buffers (those kept out of the state_dict too) by their
    local names, copied."""
    prefix = node + "."
    tensors = [*module.named_parameters(), *module.named_buffers()]
    return {
        key[len(prefix) :]: value.detach().clone()
        for key, value in tensors
        if key.startswith(prefix)
    }


class Run(NamedTuple):
    got: torch.Tensor  # jumpdsl's output
    expected: torch.Tensor  # the reference's
    x: torch.Tensor  # the input both were given
    module: nn.Module


def run(case: Case, table: OpTable | None = None) -> Run:
    """jumpdsl's output and the reference's on the same random input (and weights)."""
    graph = graph_of(case, table)
    module = build_module(graph, seed=0)
    randomise(module)
    weights = node_tensors(module, op_node(graph, case.op.name))
    x = torch.randn(BATCH, *case.example.input, generator=torch.Generator().manual_seed(1)) * 3
    module.train(case.example.train)
    torch.manual_seed(2)  # dropout: the same mask on both sides
    got = module(x.clone())
    torch.manual_seed(2)
    expected = case.example.reference(KIT, x.clone(), weights)
    return Run(got, expected, x, module)
