"""The seed's "lottery" initialisation: train a few fresh models briefly, keep the best draw.

The seed trained 5 models for 3 short epochs of 500 steps (batch 32, Adam, lr 1e-4) and kept
the weights with the lowest loss. Here "loss" is the validation loss after those steps, the
same images for every candidate.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import torch

from jumpdsl.ir.graph import Graph
from jumpdsl.train.accel import Runtime
from jumpdsl.train.batches import Batch, Feeder
from jumpdsl.train.distributed import Group
from jumpdsl.train.loop import evaluate, train_epoch, train_step
from jumpdsl.train.model import place
from jumpdsl.train.optim import build_optimizer
from jumpdsl.train.settings import Settings

__all__ = ["draw_lottery"]

LOTTERY_EPOCHS = 1_000_000  # random streams of the draw, apart from training's epochs


def draw_lottery(
    graph: Graph,
    settings: Settings,
    feeders: tuple[Feeder, Feeder],
    runtime: Runtime,
    group: Group,
    note: Callable[[str], None],
) -> tuple[dict[str, torch.Tensor], list[dict[str, Any]]]:
    """The winning weights (on the CPU) and one row per candidate: seed, validation loss."""
    train, val = feeders
    best: dict[str, torch.Tensor] = {}
    rows: list[dict[str, Any]] = []
    for candidate in range(settings.lottery):
        seed = settings.seed + candidate
        model = place(graph, seed, runtime, group, compile=False)  # too short to pay a compile
        optimizer = build_optimizer(graph, model.raw, settings)
        for group_ in optimizer.param_groups:
            group_["lr"] = settings.lottery_lr
        model.train.train()
        batches = _endless(train, settings, candidate)
        step = functools.partial(train_step, model.train, optimizer, runtime=runtime)
        train_epoch(
            lambda _i, b: step(b),  # noqa: B023 (called before the loop moves on)
            itertools.islice(batches, settings.lottery_steps),
            runtime,
            group,
        )
        loss = evaluate(model.evaluate, val.evaluation(4 * settings.batch_size), runtime, group)
        rows.append({"candidate": candidate + 1, "seed": seed, "val_loss": loss.loss})
        note(f"lottery {candidate + 1}/{settings.lottery}: seed {seed}, val loss {loss.loss:.4f}")
        if loss.loss <= min(r["val_loss"] for r in rows):
            best = {k: v.detach().cpu().clone() for k, v in model.raw.state_dict().items()}
    return best, rows


def _endless(feeder: Feeder, s: Settings, candidate: int) -> Iterator[Batch]:
    for epoch in itertools.count(LOTTERY_EPOCHS * (candidate + 1)):
        yield from feeder.train(s.lottery_batch, s.seed, epoch, s.augment)
