"""One training step, one epoch, one evaluation; sums are kept on the device and combined across
processes, so every process sees the same figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from jumpdsl.train.accel import Runtime
from jumpdsl.train.distributed import Group

__all__ = ["EVAL_BATCH", "Measured", "evaluate", "train_epoch", "train_step"]

EVAL_BATCH = 512  # no gradients: larger batches are cheap

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
# (steps done, mean loss so far, accuracy so far, images per second) → None
OnBatch = Callable[[int, float, float, float], None]
REPORT_EVERY = 10  # steps between progress reports: each one waits for the device


@dataclass(frozen=True)
class Measured:
    loss: float
    acc: float
    images: int
    seconds: float

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else 0.0


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: tuple[torch.Tensor, torch.Tensor],
    runtime: Runtime,
    label_smoothing: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One update; the batch's summed loss and number of correct answers (device tensors)."""
    x, y = batch
    with runtime.autocast():
        logits = model(x)
    loss = F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        return loss.detach() * len(y), (logits.argmax(1) == y).sum()


def train_epoch(
    step: Callable[[int, tuple[torch.Tensor, torch.Tensor]], tuple[torch.Tensor, torch.Tensor]],
    batches: Batches,
    runtime: Runtime,
    group: Group,
    on_batch: OnBatch | None = None,
) -> Measured:
    """Run ``step(i, batch)`` over ``batches``; loss and accuracy over all processes."""
    sums = torch.zeros(3, device=runtime.device, dtype=torch.float64)
    start = time.perf_counter()
    done = 0
    for done, batch in enumerate(batches, 1):
        loss, correct = step(done - 1, batch)
        sums += torch.stack([loss.double(), correct.double(), sums.new_tensor(len(batch[1]))])
        if on_batch is not None and done % REPORT_EVERY == 0:
            _report(on_batch, done, sums, start, group.world)
    group.all_sum(sums)
    seconds = time.perf_counter() - start
    if on_batch is not None:
        on_batch(done, *_means(sums), sums[2].item() / max(seconds, 1e-9))
    return Measured(*_means(sums), int(sums[2].item()), seconds)


def _report(on_batch: OnBatch, done: int, sums: torch.Tensor, start: float, world: int) -> None:
    seconds = max(time.perf_counter() - start, 1e-9)
    on_batch(done, *_means(sums), sums[2].item() * world / seconds)


def _means(sums: torch.Tensor) -> tuple[float, float]:
    loss, correct, n = sums.tolist()
    return (loss / n, correct / n) if n else (float("nan"), float("nan"))


@torch.no_grad()
def evaluate(model: nn.Module, batches: Batches, runtime: Runtime, group: Group) -> Measured:
    """Mean cross-entropy and accuracy of ``model`` (eval mode) over every process's share."""
    model.eval()
    sums = torch.zeros(3, device=runtime.device, dtype=torch.float64)
    start = time.perf_counter()
    for x, y in batches:
        with runtime.autocast():
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y, reduction="sum")
        sums += torch.stack(
            [loss.double(), (logits.argmax(1) == y).sum().double(), sums.new_tensor(len(y))]
        )
    group.all_sum(sums)
    return Measured(*_means(sums), int(sums[2].item()), time.perf_counter() - start)
