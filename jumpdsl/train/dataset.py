"""A data set as arrays: the train and test splits, the classes, the pixel scale; and the
error for one that is missing or does not fit. Nothing here imports torch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DataError", "Dataset", "Split"]


class DataError(ValueError):
    """A data set that is missing, malformed, or does not fit the network."""


@dataclass(frozen=True)
class Split:
    x: np.ndarray  # N×C×H×W, uint8
    y: np.ndarray  # N, int64

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> Split:
        return Split(self.x[index], self.y[index])


@dataclass(frozen=True)
class Dataset:
    name: str
    train: Split
    test: Split
    classes: int
    scale: float  # pixel / scale is in [0, 1]
    augment: str = "none"  # what --augment auto means here
    note: str = ""  # said at the start of a run (synthetic data says it is synthetic)
    labels: tuple[str, ...] = ()  # the class names, where the data set has them

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])
