"""CIFAR-10's "python version": pickled batches data_batch_1..5 and test_batch in one folder.

Each batch is a dict with ``data`` (N×3072 uint8, the red, green and blue planes of 32×32
images) and ``labels`` (N ints in 0..9); keys are bytes in the original files (Python 2
pickles). The unpickler only builds numpy arrays: a batch file cannot run code.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from jumpdsl.train.dataset import DataError, Dataset, Split

__all__ = ["TEST_FILE", "TRAIN_FILES", "load_cifar10"]

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
FOLDER = "cifar-10-batches-py"  # what the official archive unpacks to

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),  # numpy's pickles at protocol 5
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),  # bytes in a protocol-2 pickle written by Python 3
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def load_cifar10(folder: str) -> Dataset:
    """Read the six batches from ``folder`` (or from its ``cifar-10-batches-py``)."""
    if not folder:
        raise DataError("cifar10 needs a folder: --data cifar10:DIR")
    root = Path(folder)
    if not (root / TEST_FILE).exists() and (root / FOLDER / TEST_FILE).exists():
        root = root / FOLDER
    if not root.is_dir():
        raise DataError(f"cifar10: {folder} is not a folder")
    train = [_read_batch(root / name) for name in TRAIN_FILES]
    x = np.concatenate([s.x for s in train])
    y = np.concatenate([s.y for s in train])
    return Dataset("cifar10", Split(x, y), _read_batch(root / TEST_FILE), 10, 255.0, "crop+flip")


def _read_batch(path: Path) -> Split:
    try:
        with path.open("rb") as handle:
            batch = _ArrayUnpickler(handle, encoding="bytes").load()
    except FileNotFoundError:
        raise DataError(
            f"cifar10: missing {path} (the folder needs {', '.join(TRAIN_FILES)} and {TEST_FILE})"
        ) from None
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise DataError(f"cifar10: {path} is not a CIFAR-10 python batch ({exc})") from None
    return _to_split(batch, path)


def _field(batch: Any, name: str) -> Any:
    for key in (name.encode(), name):
        if isinstance(batch, dict) and key in batch:
            return batch[key]
    raise DataError(f"cifar10: the batch has no '{name}' entry")


def _to_split(batch: Any, path: Path) -> Split:
    try:
        data = np.asarray(_field(batch, "data"))
        labels = np.asarray(_field(batch, "labels"), dtype=np.int64)
    except DataError as exc:
        raise DataError(f"{exc} in {path}") from None
    except (TypeError, ValueError):
        raise DataError(f"cifar10: {path} has labels that are not integers") from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataError(
            f"cifar10: {path}: data must be N×3072 uint8, got {data.shape} {data.dtype}"
        )
    if len(labels) != len(data) or labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise DataError(f"cifar10: {path}: need one label in 0..9 per image")
    return Split(data.reshape(-1, 3, 32, 32), labels)
