"""`jumpdsl train` and `jumpdsl eval` end to end, on synthetic data and tiny CIFAR-10 batches:
the run folder, resuming, early stopping, and one-line errors."""

from __future__ import annotations

import csv
import json
import re

import pytest
import torch
from train_helpers import CIFAR_NET, TINY, TINY_BN, write_cifar, write_images

from jumpdsl.cli import main
from jumpdsl.train.outputs import METRICS
from jumpdsl.train.progress import Console

FAST = ["--batch-size", "16", "--data", "synthetic:64"]


def _train(spec, out, *args: str) -> int:
    return main(["train", str(spec), "--out", str(out), *FAST, *args])


def test_a_run_folder_holds_everything(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "2", "--lr", "0.01") == 0
    run = tmp_path / "run"
    printed = capsys.readouterr().out
    assert "epoch   2/2" in printed and "test accuracy" in printed
    with (run / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == METRICS and [r["epoch"] for r in rows] == ["1", "2"]
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (run / "spec.jnet").read_text() == TINY
    settings = json.loads((run / "settings.json").read_text())
    assert settings["settings"]["lr"] == 0.01 and settings["data"] == "synthetic:64"
    assert TINY in settings["sources"].values()
    for name in ("best.pt", "last.pt"):  # plain data: loads without running code
        state = torch.load(run / name, weights_only=True)
        assert set(state["model"]) == {
            "stem.conv1.weight",
            "stem.conv1.bias",
            "task.dense1.weight",
            "task.dense1.bias",
        }
    results = json.loads((run / "results.json").read_text())
    assert 0 <= results["test_acc"] <= 1 and results["epochs"] == 2


def test_eval_gives_the_runs_test_accuracy(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "2", "--lr", "0.01") == 0
    capsys.readouterr()
    assert main(["eval", str(spec), "--checkpoint", str(tmp_path / "run/best.pt"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    results = json.loads((tmp_path / "run/results.json").read_text())
    assert result["acc"] == pytest.approx(results["test_acc"])
    assert result["loss"] == pytest.approx(results["test_loss"], rel=1e-5)


def test_learning_happens(tmp_spec, tmp_path) -> None:
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "6", "--lr", "0.02") == 0
    results = json.loads((tmp_path / "run/results.json").read_text())
    assert results["test_acc"] > 0.6  # four classes: chance is 0.25


def _weights(path):
    return torch.load(path, weights_only=True)["model"]


def test_resume_continues_exactly(tmp_spec, tmp_path, monkeypatch) -> None:
    spec = tmp_spec(TINY_BN)
    extra = ["--epochs", "3", "--augment", "crop", "--schedule", "cosine"]
    assert _train(spec, tmp_path / "whole", *extra) == 0

    def interrupt_after_epoch_2(self, row) -> None:
        if row["epoch"] == 2:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Console, "epoch_end", interrupt_after_epoch_2)
        assert _train(spec, tmp_path / "parts", *extra) == 130
    assert _train(spec, tmp_path / "parts", "--resume") == 0
    whole, parts = _weights(tmp_path / "whole/last.pt"), _weights(tmp_path / "parts/last.pt")
    assert set(whole) == set(parts)
    assert all(torch.allclose(whole[k].float(), parts[k].float(), atol=1e-6) for k in whole)
    rows = (tmp_path / "parts/metrics.csv").read_text().splitlines()
    assert len(rows) == 4


def test_an_existing_run_is_not_overwritten(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "1") == 0
    capsys.readouterr()
    assert _train(spec, tmp_path / "run", "--epochs", "1") == 2
    assert "--resume" in capsys.readouterr().err


def test_early_stopping_on_validation_accuracy(tmp_spec, tmp_path) -> None:
    spec = tmp_spec(TINY)
    # a learning rate too small to change any weight: every epoch ties with the first
    assert _train(spec, tmp_path / "run", "--epochs", "20", "--patience", "2", "--lr", "1e-30") == 0
    results = json.loads((tmp_path / "run/results.json").read_text())
    assert results["epochs"] == 3 and results["best_epoch"] == 1


def test_cifar_batches_train(tmp_spec, tmp_path) -> None:
    write_cifar(tmp_path / "cifar")
    spec = tmp_spec(CIFAR_NET)
    args = [
        "train",
        str(spec),
        "--data",
        f"cifar10:{tmp_path / 'cifar'}",
        "--out",
        str(tmp_path / "run"),
        "--epochs",
        "1",
        "--batch-size",
        "10",
        "--augment",
    ]
    assert main(args) == 0
    results = json.loads((tmp_path / "run/results.json").read_text())
    assert results["test_images"] == 20


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--data", "cifar10:/no/such/folder"], "cifar10: /no/such/folder is not a folder"),
        (["--data", "digits"], "the network takes 3×8×8"),
        (["--data", "synthetic:8", "--batch-size", "16"], "fewer than the batch size"),
        (["--data", "synthetic", "--label-smoothing", "2"], "label smoothing"),
        (["--data", "synthetic", "--step-at", "x"], "--step-at"),
        ([], "--data"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_spec, tmp_path, capsys, args, says) -> None:
    if "digits" in args:
        pytest.importorskip("sklearn")
    code = main(["train", str(tmp_spec(TINY)), "--out", str(tmp_path / "run"), *args])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1


def test_softmax_heads_and_spec_errors(tmp_spec, tmp_path, capsys) -> None:
    soft = tmp_spec(TINY.replace("dense(classes)", "dense(classes) softmax"), "s.jnet")
    assert _train(soft, tmp_path / "a") == 2
    assert "softmax" in capsys.readouterr().err
    broken = tmp_spec(TINY.replace("relu", "rleu"), "b.jnet")
    assert _train(broken, tmp_path / "b") == 1


def test_eval_of_a_foreign_checkpoint(tmp_spec, tmp_path, capsys) -> None:
    torch.save({"weights": torch.ones(1)}, tmp_path / "x.pt")
    code = main(["eval", str(tmp_spec(TINY)), "--checkpoint", str(tmp_path / "x.pt")])
    assert code == 2 and "not a jumpdsl training checkpoint" in capsys.readouterr().err


def test_eval_with_a_different_network(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "1") == 0
    capsys.readouterr()
    other = tmp_spec(TINY.replace("conv(8", "conv(6"), "other.jnet")
    code = main(["eval", str(other), "--checkpoint", str(tmp_path / "run/best.pt")])
    assert code == 2 and "do not fit this network" in capsys.readouterr().err


def test_a_folder_of_images_trains(tmp_spec, tmp_path, capsys) -> None:
    pytest.importorskip("PIL")
    write_images(tmp_path / "images", {"train": {"a": 48, "b": 48}, "val": {"a": 16, "b": 16}})
    spec = tmp_spec(TINY.replace("[3, 8, 8]", "[3, 6, 6]"))  # the 8×8 images are resized
    args = ["--data", f"folder:{tmp_path / 'images'}", "--set", "classes=2", "--epochs", "4"]
    assert main(["train", str(spec), "--out", str(tmp_path / "run"), *args, "--lr", "0.02"]) == 0
    out = capsys.readouterr().out
    assert "96 training and 32 validation images in 2 classes (a, b), 128 resized to 6×6" in out
    results = json.loads((tmp_path / "run/results.json").read_text())
    assert results["test_images"] == 32 and results["test_acc"] > 0.8  # chance: 0.5
    settings = json.loads((tmp_path / "run/settings.json").read_text())
    assert settings["class_names"] == ["a", "b"]


def test_progress_shows_the_whole_run_and_the_time_left(tmp_spec, tmp_path, capsys) -> None:
    pytest.importorskip("tqdm")
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "3", "--progress") == 0
    out, err = capsys.readouterr()
    assert "run:" in err and "epoch 1/3:" in err  # the run's bar beside the epoch's
    lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert [" left)" in line for line in lines] == [True, True, False]
    assert re.search(r"\((about \d+ s|under a second) left\)", lines[0])


def test_a_compiled_run_says_so_before_the_first_step(tmp_spec, tmp_path, monkeypatch, capsys):
    from jumpdsl.train import accel

    real = accel.make_runtime
    monkeypatch.setattr(accel, "make_runtime", lambda *a, **k: real(*a[:2], True, **k))
    monkeypatch.setattr(torch, "compile", lambda module, **options: module)  # no inductor
    assert _train(tmp_spec(TINY), tmp_path / "run", "--epochs", "1") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == (
        "compiling the model with torch.compile (first call, may take a minute on CPU)…"
    )
    assert out[2].startswith("epoch   1/1")


DOCTORED = [
    ("params", "x", "'params' is a str, not a dict"),
    ("data", 5, "'data' is a int, not a str"),
    ("model", {"stem.conv1.weight": 1}, "the weights or parameters are not what jumpdsl saves"),
    ("normalization", {"scale": "x", "mean": [0], "std": [1]}, "'normalization' is not"),
    ("history", [1], "'history' is not a list of epochs"),
    ("history", [{"epoch": 1}], "'history' is not a list of epochs"),
    ("normalization", {"scale": 255.0, "mean": [0.0] * 5, "std": [1.0] * 5}, "normalizes 5"),
    ("optimizer", {"state": {}, "param_groups": [{"x": 1}]}, "the optimizer state does not"),
    ("settings", {"epochs": "many"}, "the saved setting epochs = 'many' is not a whole number"),
    ("lottery", None, "the checkpoint has no 'lottery'"),
]


def test_doctored_checkpoints_are_one_line_exit_2(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(TINY)
    assert _train(spec, tmp_path / "run", "--epochs", "1") == 0
    saved = torch.load(tmp_path / "run/last.pt", weights_only=True)
    for case, (field, value, says) in enumerate(DOCTORED):
        state = dict(saved)
        if value is None:
            del state[field]
        else:
            state[field] = value
        run = tmp_path / f"doctored-{case}"
        run.mkdir()
        torch.save(state, run / "last.pt")
        capsys.readouterr()
        verb = ["train", str(spec), "--out", str(run), "--resume", *FAST]
        if field not in ("settings", "optimizer", "history"):  # what only --resume reads
            verb = ["eval", str(spec), "--checkpoint", str(run / "last.pt")]
        assert main(verb) == 2, field
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1, (field, err)


def test_a_full_disk_during_training_is_one_line_exit_2(tmp_spec, tmp_path, monkeypatch, capsys):
    import errno
    import os

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert _train(tmp_spec(TINY), tmp_path / "run", "--epochs", "1") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("jumpdsl: cannot write ") and err[-1].endswith(
        ": No space left on device"
    )


def test_synthetic_data_too_large_to_draw_is_exit_2(tmp_spec, tmp_path, capsys) -> None:
    args = ["train", str(tmp_spec(TINY)), "--out", str(tmp_path / "run"), "--data"]
    assert main([*args, "synthetic:1e11"]) == 2
    assert "give a number of training images" in capsys.readouterr().err
    assert main([*args, "synthetic:" + "9" * 12]) == 2  # it used to run out of memory (101)
    assert "GiB to draw; at most" in capsys.readouterr().err
