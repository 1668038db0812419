"""Data sets as arrays: ``cifar10:DIR``, ``folder:DIR``, ``digits`` and ``synthetic[:N]``; the
validation split.

Images are uint8 arrays N×C×H×W with labels as int64; ``scale`` maps pixels to [0, 1]. Nothing
here imports torch.

>>> data = load_data("synthetic:40", (1, 4, 4), 3)
>>> data.train.x.shape, data.test.x.dtype, data.classes
((40, 1, 4, 4), dtype('uint8'), 3)
"""

from __future__ import annotations

import math

import numpy as np

from jumpdsl.train.dataset import DataError, Dataset, Split

__all__ = ["DIGITS_TEST_EVERY", "load_data", "split_validation"]

DIGITS_TEST_EVERY = 5  # digits: sample i is a test sample when i % 5 == 4 (20%, fixed)
SYNTHETIC_SIZE = 2048  # enough steps in 2 epochs for a small network to learn it
SYNTHETIC_NOTE = (
    "synthetic data: a random pattern per class plus noise, to try the setup "
    "(its accuracy says nothing about the network)"
)
SYNTHETIC_MAX_BYTES = 4 << 30
VALIDATION_SEED = 0  # the same held-out images whatever --seed says


def load_data(spec: str, input_shape: tuple[int, ...], classes: int) -> Dataset:
    """The data set named by ``spec``; ``input_shape`` and ``classes`` come from the network
    (synthetic data takes them; the others must match them)."""
    kind, _, arg = spec.partition(":")
    if kind == "cifar10":
        from jumpdsl.train.cifar import load_cifar10

        data = load_cifar10(arg)
    elif kind == "folder":
        from jumpdsl.train.folder import load_folder

        data = load_folder(arg, tuple(input_shape))
    elif kind == "digits" and not arg:
        data = _digits()
    elif kind == "synthetic":
        size = _size(arg)
        _synthetic_fits(tuple(input_shape), size)
        data = _synthetic(input_shape, classes, size)
    else:
        raise DataError(
            f"unknown data '{spec}': use cifar10:DIR, folder:DIR, digits or synthetic[:N]"
        )
    _check_fits(data, input_shape, classes)
    return data


def _size(arg: str) -> int:
    if not arg:
        return SYNTHETIC_SIZE
    if not arg.isdigit() or int(arg) < 2:
        raise DataError(f"synthetic:{arg}: give a number of training images (at least 2)")
    return int(arg)


def _synthetic_fits(shape: tuple[int, ...], size: int) -> None:
    """Refuse a synthetic set that could not be drawn: drawing holds float64 images (8 bytes
    a value) of the training set and a quarter more for the test set."""
    drawn = size * 5 // 4 * math.prod(shape) * 8
    if drawn > SYNTHETIC_MAX_BYTES:
        most = SYNTHETIC_MAX_BYTES // (math.prod(shape) * 10)
        raise DataError(
            f"synthetic:{size}: {drawn / 2**30:,.1f} GiB to draw; at most {most:,} images "
            f"of {'×'.join(map(str, shape))} fit in {SYNTHETIC_MAX_BYTES >> 30} GiB"
        )


def _check_fits(data: Dataset, input_shape: tuple[int, ...], classes: int) -> None:
    if data.shape != tuple(input_shape):
        have, want = "×".join(map(str, data.shape)), "×".join(map(str, input_shape))
        raise DataError(f"{data.name} images are {have}; the network takes {want}")
    if data.classes != classes:
        raise DataError(
            f"{data.name} has {data.classes} classes; the network outputs {classes} "
            f"(try --set classes={data.classes})"
        )


def _digits() -> Dataset:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError("digits needs scikit-learn: pip install 'jumpdsl[train]'") from None
    bunch = load_digits()
    x = bunch.images.astype(np.uint8)[:, None, :, :]  # values 0..16
    y = bunch.target.astype(np.int64)
    test = np.arange(len(y)) % DIGITS_TEST_EVERY == DIGITS_TEST_EVERY - 1
    train, tested = Split(x[~test], y[~test]), Split(x[test], y[test])
    return Dataset("digits", train, tested, 10, 16.0, augment="crop")  # a mirrored 3 is no 3


def _synthetic(shape: tuple[int, ...], classes: int, size: int) -> Dataset:
    """A prototype per class plus noise: learnable, and the same on every call. A prototype
    is a brightness per channel (evenly spaced levels, in another order on each channel, so a
    network that averages over the image still tells the classes apart) plus a random pattern
    (for one that looks at the pixels)."""
    rng = np.random.default_rng(0)
    levels = np.linspace(-1.5, 1.5, classes)
    channels = shape[0] if shape else 1
    brightness = np.stack([rng.permutation(levels) for _ in range(channels)], axis=1)
    brightness = brightness.reshape(classes, channels, *([1] * (len(shape) - 1)))
    prototypes = brightness + 0.5 * rng.normal(size=(classes, *shape))

    def draw(n: int) -> Split:
        y = rng.integers(0, classes, size=n)
        x = prototypes[y] + rng.normal(scale=0.5, size=(n, *shape))
        return Split(np.clip(x * 32 + 128, 0, 255).astype(np.uint8), y.astype(np.int64))

    return Dataset(
        "synthetic", draw(size), draw(max(size // 4, 2)), classes, 255.0, note=SYNTHETIC_NOTE
    )


def split_validation(train: Split, fraction: float) -> tuple[Split, Split | None]:
    """(train, validation): ``fraction`` of the training images held out, the same every run."""
    held = round(len(train) * fraction)
    if held == 0:
        return train, None
    order = np.random.default_rng(VALIDATION_SEED).permutation(len(train))
    return train.take(np.sort(order[held:])), train.take(np.sort(order[:held]))
