"""specs/digits.jnet learns scikit-learn's digits: a few epochs already score far above chance.

The full run (≥ 97% in well under a minute on two cores) is benchmarks/train_digits.py's job.
"""

from __future__ import annotations

import json

import pytest

from conftest import SPECS
from jumpdsl.cli import main

pytest.importorskip("sklearn")


def test_digits_learns_in_a_few_epochs(tmp_path) -> None:
    out = tmp_path / "digits"
    args = ["train", str(SPECS / "digits.jnet"), "--data", "digits", "--out", str(out)]
    assert main([*args, "--epochs", "3"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["test_images"] == 359  # the fixed 20%: every fifth of 1,797
    assert results["test_acc"] > 0.6  # ten classes: chance is 0.1
    settings = json.loads((out / "settings.json").read_text())
    assert settings["settings"]["augment"] == "crop"  # auto: shifts, no mirror, for digits
    assert settings["runtime"]["cpu_threads"] == 1  # a small network: one thread
