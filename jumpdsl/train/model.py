"""The network to train: built from the checked IR, placed on the device, wrapped for DDP and
torch.compile. ``raw`` holds the weights (its state_dict has the spec's names); ``train`` and
``evaluate`` are what to call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from jumpdsl.backends.torch_fx import build_module
from jumpdsl.ir.graph import MAIN_OUTPUT, Graph
from jumpdsl.passes.shapes import Shapes
from jumpdsl.train.accel import Runtime
from jumpdsl.train.checkpoint import fit_weights
from jumpdsl.train.dataset import DataError
from jumpdsl.train.distributed import Group

__all__ = ["MainOutput", "Placed", "network_io", "place"]


class MainOutput(nn.Module):
    """A network with named outputs (``output NAME``), giving its main output only: training
    and evaluation use that one (the other heads get no gradient)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x)[MAIN_OUTPUT]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Placed:
    raw: nn.Module
    train: nn.Module
    evaluate: nn.Module


def place(
    graph: Graph,
    seed: int,
    runtime: Runtime,
    group: Group,
    *,
    weights: Mapping[str, Any] | None = None,
    compile: bool | None = None,
) -> Placed:
    """A fresh module from ``graph`` (weights drawn from ``seed``, or ``weights`` loaded)."""
    raw = build_module(graph, seed=seed, hierarchy=True).to(runtime.device)
    if weights is not None:
        fit_weights(raw, weights)
    if runtime.channels_last:
        raw = raw.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    main = MainOutput(raw) if graph.multi_output else raw
    train = group.wrap(main, runtime.device, unused=graph.multi_output)
    if runtime.compile if compile is None else compile:
        return Placed(raw, torch.compile(train), torch.compile(main))  # type: ignore[arg-type]
    return Placed(raw, train, main)


def network_io(graph: Graph) -> tuple[tuple[int, ...], int]:
    """The network's input shape and number of classes (its output must be a vector)."""
    shape = graph.get(Shapes, graph.output).shape or ()
    if len(shape) != 1:
        raise DataError(
            f"the network's output is {'×'.join(map(str, shape))}; training needs one "
            "score per class (end the task with dense(classes))"
        )
    last = graph[graph.output].op
    if graph.ops[last].probabilities:
        raise DataError(f"the network ends in {last}; training wants logits: remove the {last}")
    return tuple(graph.input_shape), shape[0]
