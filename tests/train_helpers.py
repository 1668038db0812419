"""Helpers of the training tests: tiny specs, and CIFAR-10 batches written in the real format."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

# No batch norm: a run on two processes then takes exactly the steps of a run on one.
TINY = """
network Tiny(classes: int = 4) {
    input [3, 8, 8]
    stem { conv(8, 3x3) relu }
    task { gap dense(classes) }
}
"""

TINY_BN = """
network TinyBN(classes: int = 4) {
    input [3, 8, 8]
    stem { conv(8, 3x3) bn relu dropout(0.1) }
    task { gap dense(classes) }
}
"""

CIFAR_NET = """
network C {
    input [3, 32, 32]
    stem { conv(4, 3x3, stride=4) bn relu }
    task { gap dense(10) }
}
"""


def write_cifar(folder: Path, per_batch: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """data_batch_1..5 and test_batch as the official archive has them: Python 2 style pickles
    (bytes keys), ``data`` N×3072 uint8 (planes R, G, B), ``labels`` a list of ints."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        batch = {
            b"batch_label": name.encode(),
            b"labels": labels,
            b"data": data,
            b"filenames": [f"{name}_{i}.png".encode() for i in range(per_batch)],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        written[name] = data
    return written


def write_images(root, counts, size=(8, 8), seed=0) -> None:
    """root/<part>/<class>/<i>.png: class 'a' dark, 'b' bright (and noise), RGB."""
    from PIL import Image  # the [train] extra: the tests that call this skip without it

    rng = np.random.default_rng(seed)
    for part, classes in counts.items():
        for name, n in classes.items():
            (root / part / name).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                level = 60 if name == "a" else 190
                pixels = np.clip(rng.normal(level, 20, size=(*size, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(root / part / name / f"{i}.png")
