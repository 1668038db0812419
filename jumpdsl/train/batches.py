"""Batches on the device: each epoch's shuffled order, each process's share, pixels → floats.

A global batch of B images is cut into equal parts, one per process, so a run on N processes
takes the same steps as a run on one. The last incomplete batch of an epoch is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from jumpdsl.train.accel import Runtime
from jumpdsl.train.augment import augment_batch
from jumpdsl.train.dataset import Split
from jumpdsl.train.distributed import Group

__all__ = ["Feeder", "Normalization", "epoch_generator", "epoch_seed"]

Batch = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Normalization:
    """pixel / scale, then per channel (x − mean) / std."""

    scale: float
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def fit(cls, split: Split, scale: float, normalize: bool) -> Normalization:
        channels = split.x.shape[1]
        if not normalize:
            return cls(scale, (0.0,) * channels, (1.0,) * channels)
        x = split.x.astype(np.float64) / scale
        std = np.maximum(x.std(axis=(0, 2, 3)), 1e-6)
        return cls(scale, tuple(x.mean(axis=(0, 2, 3)).tolist()), tuple(std.tolist()))


def epoch_seed(seed: int, epoch: int, salt: int = 0) -> int:
    """The seed of one epoch's random stream ``salt``: the same after a resume."""
    return seed * 1_000_003 + epoch * 1009 + salt


def epoch_generator(seed: int, epoch: int, salt: int = 0) -> torch.Generator:
    """A CPU generator, so the stream is the same on any device."""
    return torch.Generator().manual_seed(epoch_seed(seed, epoch, salt))


class Feeder:
    """One split, held on the device when it fits, served as preprocessed batches."""

    def __init__(self, split: Split, norm: Normalization, runtime: Runtime, group: Group) -> None:
        where = runtime.data_device(split.x.nbytes)
        self.x = torch.from_numpy(np.ascontiguousarray(split.x)).to(where)
        self.y = torch.from_numpy(split.y).to(where)
        shape = (1, -1, 1, 1)
        self.mean = torch.tensor(norm.mean, device=runtime.device).view(shape)
        self.std = torch.tensor(norm.std, device=runtime.device).view(shape)
        self.scale = norm.scale
        self.runtime, self.group = runtime, group

    def __len__(self) -> int:
        return len(self.y)

    def steps(self, batch_size: int) -> int:
        return len(self) // batch_size

    def train(self, batch_size: int, seed: int, epoch: int, augment: str) -> Iterator[Batch]:
        """This process's part of each global batch, in the epoch's shuffled order."""
        order = torch.randperm(len(self), generator=epoch_generator(seed, epoch))
        part = batch_size // self.group.world
        noise = epoch_generator(seed, epoch, salt=1 + self.group.rank)
        for step in range(self.steps(batch_size)):
            start = step * batch_size + self.group.rank * part
            x, y = self._take(order[start : start + part])
            if augment != "none":
                x = augment_batch(x, augment, noise)
            yield self.runtime.layout(x), y

    def evaluation(self, batch_size: int) -> Iterator[Batch]:
        """This process's share of the split, in order, in batches of at most ``batch_size``."""
        share = torch.tensor_split(torch.arange(len(self)), self.group.world)[self.group.rank]
        for index in share.split(batch_size):
            x, y = self._take(index)
            yield self.runtime.layout(x), y

    def _take(self, index: torch.Tensor) -> Batch:
        device = self.runtime.device
        index = index.to(self.x.device)
        x = self.x[index].to(device, non_blocking=True).float()
        x = (x / self.scale - self.mean) / self.std
        return x, self.y[index].to(device, non_blocking=True)
