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


class _Totals:
    """Summed loss and correct answers, kept on the device (no wait per step); images counted
    on the host."""

    def __init__(self, device: torch.device) -> None:
        self.sums = torch.zeros(2, device=device, dtype=torch.float64)
        self.images = 0

    def add(self, loss_sum: torch.Tensor, correct: torch.Tensor, images: int) -> None:
        self.sums += torch.stack([loss_sum.double(), correct.double()])
        self.images += images

    def means(self) -> tuple[float, float]:
        loss, correct = self.sums.tolist()
        n = self.images
        return (loss / n, correct / n) if n else (float("nan"), float("nan"))

    def combine(self, group: Group) -> None:
        """Sum over every process."""
        if group.world > 1:
            both = torch.cat([self.sums, self.sums.new_tensor([self.images])])
            group.all_sum(both)
            self.sums, self.images = both[:2], int(both[2].item())


def train_epoch(
    step: Callable[[int, tuple[torch.Tensor, torch.Tensor]], tuple[torch.Tensor, torch.Tensor]],
    batches: Batches,
    runtime: Runtime,
    group: Group,
    on_batch: OnBatch | None = None,
) -> Measured:
    """Run ``step(i, batch)`` over ``batches``; loss and accuracy over all processes."""
    totals = _Totals(runtime.device)
    start = time.perf_counter()
    done = 0
    for done, batch in enumerate(batches, 1):
        loss, correct = step(done - 1, batch)
        totals.add(loss, correct, len(batch[1]))
        if on_batch is not None and done % REPORT_EVERY == 0:
            seconds = max(time.perf_counter() - start, 1e-9)
            on_batch(done, *totals.means(), totals.images * group.world / seconds)
    totals.combine(group)
    seconds = time.perf_counter() - start
    if on_batch is not None:
        on_batch(done, *totals.means(), totals.images / max(seconds, 1e-9))
    return Measured(*totals.means(), totals.images, seconds)


@torch.no_grad()
def evaluate(model: nn.Module, batches: Batches, runtime: Runtime, group: Group) -> Measured:
    """Mean cross-entropy and accuracy of ``model`` (eval mode) over every process's share."""
    model.eval()
    totals = _Totals(runtime.device)
    start = time.perf_counter()
    for x, y in batches:
        with runtime.autocast():
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y, reduction="sum")
        totals.add(loss, (logits.argmax(1) == y).sum(), len(y))
    totals.combine(group)
    return Measured(*totals.means(), totals.images, time.perf_counter() - start)
