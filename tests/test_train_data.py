"""Training data: CIFAR-10's python batches, the fixed digits split, synthetic data, and the
errors a user sees for data that is missing, malformed or does not fit the network."""

from __future__ import annotations

import os
import pickle
import shutil

import numpy as np
import pytest
from train_helpers import write_cifar, write_images

from jumpdsl.train.data import load_data, split_validation
from jumpdsl.train.dataset import DataError


def test_cifar_batches_are_read_as_images(tmp_path) -> None:
    written = write_cifar(tmp_path)
    data = load_data(f"cifar10:{tmp_path}", (3, 32, 32), 10)
    assert data.train.x.shape == (100, 3, 32, 32) and data.test.x.shape == (20, 3, 32, 32)
    # image 0 of batch 1: its first 1024 bytes are the red plane, row by row
    red = written["data_batch_1"][0, :1024].reshape(32, 32)
    assert np.array_equal(data.train.x[0, 0], red)
    assert np.array_equal(data.test.x[-1].reshape(-1), written["test_batch"][-1])
    assert data.train.y.dtype == np.int64 and data.scale == 255.0


def test_cifar_folder_of_the_archive_is_found(tmp_path) -> None:
    write_cifar(tmp_path / "cifar-10-batches-py")
    assert len(load_data(f"cifar10:{tmp_path}", (3, 32, 32), 10).test) == 20


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda d: (d / "data_batch_3").unlink(), "missing"),
        (lambda d: (d / "test_batch").write_bytes(b"not a pickle"), "not a CIFAR-10"),
        (lambda d: (d / "data_batch_2").write_bytes(pickle.dumps({b"labels": [1]})), "'data'"),
        (
            lambda d: (d / "test_batch").write_bytes(
                pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]})
            ),
            "N×3072",
        ),
        (
            lambda d: (d / "test_batch").write_bytes(
                pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 12]})
            ),
            "0..9",
        ),
    ],
)
def test_cifar_damage_is_a_clear_error(tmp_path, damage, says) -> None:
    write_cifar(tmp_path)
    damage(tmp_path)
    with pytest.raises(DataError, match=says):
        load_data(f"cifar10:{tmp_path}", (3, 32, 32), 10)


def test_cifar_pickle_cannot_run_code(tmp_path) -> None:
    write_cifar(tmp_path)
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (tmp_path / "test_batch").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(DataError, match="refusing"):
        load_data(f"cifar10:{tmp_path}", (3, 32, 32), 10)
    assert not marker.exists()


def test_digits_split_is_fixed_and_disjoint() -> None:
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    images = load_digits().images
    data = load_data("digits", (1, 8, 8), 10)
    assert len(data.test) == len(images[4::5])  # every fifth sample is a test sample
    assert np.array_equal(data.test.x[:, 0], images[4::5].astype(np.uint8))
    assert len(data.train) + len(data.test) == len(images)
    assert data.scale == 16.0 and data.shape == (1, 8, 8)


def test_synthetic_follows_the_network_and_repeats() -> None:
    a = load_data("synthetic:30", (2, 5, 5), 7)
    b = load_data("synthetic:30", (2, 5, 5), 7)
    assert a.train.x.shape == (30, 2, 5, 5) and set(a.train.y) <= set(range(7))
    assert np.array_equal(a.train.x, b.train.x)


@pytest.mark.parametrize(
    ("spec", "shape", "classes", "says"),
    [
        ("imagenet", (3, 32, 32), 10, "unknown data"),
        ("cifar10:", (3, 32, 32), 10, "needs a folder"),
        ("synthetic:x", (3, 8, 8), 10, "number of training images"),
        ("digits", (3, 32, 32), 10, "digits images are 1×8×8; the network takes 3×32×32"),
        ("digits", (1, 8, 8), 100, "--set classes=10"),
    ],
)
def test_bad_data_names(spec, shape, classes, says) -> None:
    if spec == "digits":
        pytest.importorskip("sklearn")
    with pytest.raises(DataError, match=says):
        load_data(spec, shape, classes)


def test_validation_split_is_held_out_and_stable() -> None:
    train = load_data("synthetic:100", (1, 4, 4), 3).train
    kept, held = split_validation(train, 0.2)
    again, _ = split_validation(train, 0.2)
    assert held is not None and len(held) == 20 and len(kept) == 80
    assert np.array_equal(kept.x, again.x)
    rows = {row.tobytes() for row in train.x}
    assert {r.tobytes() for r in kept.x} | {r.tobytes() for r in held.x} <= rows
    assert split_validation(train, 0.0)[1] is None


def test_a_folder_per_class_is_read_sorted_and_resized(tmp_path) -> None:
    pytest.importorskip("PIL")
    write_images(tmp_path, {"train": {"b": 3, "a": 2}, "val": {"a": 1, "b": 1}})
    write_images(tmp_path, {"val": {"b": 1}}, size=(20, 13), seed=1)  # replaces val/b/0.png
    data = load_data(f"folder:{tmp_path}", (3, 8, 8), 2)
    assert data.labels == ("a", "b") and data.classes == 2
    assert list(data.train.y) == [0, 0, 1, 1, 1] and list(data.test.y) == [0, 1]
    assert data.train.x.shape == (5, 3, 8, 8) and data.test.x.shape == (2, 3, 8, 8)
    assert data.train.x[:2].mean() < 100 < data.train.x[2:].mean()  # a dark, b bright
    grey = load_data(f"folder:{tmp_path}", (1, 8, 8), 2)
    assert grey.train.x.shape == (5, 1, 8, 8)
    assert grey.note.endswith(
        "5 training and 2 validation images in 2 classes (a, b), 1 resized to 8×8"
    )


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda root: shutil.rmtree(root / "val"), "val is missing"),
        (lambda root: (root / "val/c").mkdir(), "classes that train/ has not: c"),
        (lambda root: (root / "train/a/0.png").write_bytes(b"not a png"), "cannot read"),
        (lambda root: [p.unlink() for p in (root / "val").glob("*/*.png")], "no images"),
    ],
)
def test_folder_damage_is_a_clear_error(tmp_path, damage, says) -> None:
    pytest.importorskip("PIL")
    write_images(tmp_path, {"train": {"a": 2, "b": 2}, "val": {"a": 1, "b": 1}})
    damage(tmp_path)
    with pytest.raises(DataError, match=says):
        load_data(f"folder:{tmp_path}", (3, 8, 8), 2)


def test_folder_classes_must_match_the_network(tmp_path) -> None:
    pytest.importorskip("PIL")
    write_images(tmp_path, {"train": {"a": 2, "b": 2}, "val": {"a": 1, "b": 1}})
    with pytest.raises(DataError, match="folder has 2 classes; the network outputs 10"):
        load_data(f"folder:{tmp_path}", (3, 8, 8), 10)
