"""Testing weights: the spec's network with them, on a test split preprocessed as in training."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jumpdsl.ir.graph import Graph
from jumpdsl.train.accel import Runtime
from jumpdsl.train.batches import Feeder, Normalization
from jumpdsl.train.checkpoint import CheckpointError
from jumpdsl.train.data import load_data
from jumpdsl.train.dataset import Split
from jumpdsl.train.distributed import Group
from jumpdsl.train.loop import EVAL_BATCH, Measured, evaluate
from jumpdsl.train.model import network_io, place

__all__ = ["evaluate_checkpoint", "score"]


def score(
    graph: Graph, weights: Mapping[str, Any], split: Split, norm: Normalization, rt: Runtime
) -> Measured:
    """Loss and accuracy of ``weights`` on ``split``, in this process alone."""
    model = place(graph, 0, rt, Group(), weights=weights, compile=False)  # one pass: stay eager
    feeder = Feeder(split, norm, rt, Group())
    return evaluate(model.evaluate, feeder.evaluation(EVAL_BATCH), rt, Group())


def evaluate_checkpoint(
    graph: Graph, state: dict[str, Any], data: str, runtime: Runtime
) -> dict[str, Any]:
    """A checkpoint's loss and accuracy on ``data``'s test split."""
    shape, classes = network_io(graph)
    dataset = load_data(data, shape, classes)
    norm = Normalization(**state["normalization"])
    if not len(norm.mean) == len(norm.std) == shape[0]:
        raise CheckpointError(
            f"the checkpoint normalizes {len(norm.mean)} channels; the network takes {shape[0]}"
        )
    measured = score(graph, state["model"], dataset.test, norm, runtime)
    return {"data": data, "loss": measured.loss, "acc": measured.acc, "images": measured.images}
