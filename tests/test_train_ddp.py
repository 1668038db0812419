"""Data-parallel training through torchrun: two CPU processes (gloo) take the same steps as one.

The spec has no batch norm (whose statistics are per process), so the weights after an epoch
on two processes, each with half of every batch, must equal those of one process.
"""

from __future__ import annotations

import json
import subprocess
import sys

import torch
from train_helpers import TINY

from conftest import ROOT
from jumpdsl.cli import main

ARGS = [
    "--data",
    "synthetic:96",
    "--epochs",
    "2",
    "--batch-size",
    "16",
    "--lr",
    "0.05",
    "--optimizer",
    "sgd",
    "--val-split",
    "0.25",
    "--device",
    "cpu",
]


def test_two_processes_match_one(tmp_spec, tmp_path) -> None:
    spec = str(tmp_spec(TINY))
    assert main(["train", spec, "--out", str(tmp_path / "one"), *ARGS]) == 0
    torchrun = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "jumpdsl",
        "train",
        spec,
        "--out",
        str(tmp_path / "two"),
        *ARGS,
    ]
    done = subprocess.run(torchrun, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("test accuracy") == 1  # only rank 0 speaks
    results = json.loads((tmp_path / "two/results.json").read_text())
    assert results["processes"] == 2
    one = torch.load(tmp_path / "one/last.pt", weights_only=True)
    two = torch.load(tmp_path / "two/last.pt", weights_only=True)
    for name, weight in one["model"].items():
        assert torch.allclose(weight, two["model"][name], atol=1e-5), name
    for a, b in zip(
        one["history"], two["history"], strict=True
    ):  # losses gathered from both processes
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-5 and a["val_acc"] == b["val_acc"]
