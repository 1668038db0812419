"""Ctrl-C and SIGTERM during `jumpdsl train`: the exit code, what was saved and the command
that goes on, which does; `--resume` refuses options that would change the run."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from train_helpers import TINY

import jumpdsl
from jumpdsl.cli import main

ROOT = Path(jumpdsl.__file__).resolve().parent.parent
# About a second an epoch on one thread: the signal comes well before the third one ends.
SLOW = ["--data", "synthetic:3000", "--batch-size", "8", "--epochs", "3", "--threads", "1"]


def _jumpdsl(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(cwd)}
    return subprocess.Popen(
        [sys.executable, "-m", "jumpdsl", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("sig", "code", "why"),
    [(signal.SIGINT, 130, "interrupted (Ctrl-C)"), (signal.SIGTERM, 143, "stopped by SIGTERM")],
)
def test_a_stopped_run_says_what_was_saved_and_how_to_go_on(tmp_spec, tmp_path, sig, code, why):
    spec = tmp_spec(TINY)
    proc = _jumpdsl("train", str(spec), "--out", "run", "--progress", *SLOW, cwd=tmp_path)
    _wait_for(tmp_path / "run/last.pt", proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    lines = err.strip().splitlines()
    command = f"jumpdsl train {spec} --out run --resume"
    assert lines[-1] == f"  {command}"
    assert lines[-2].startswith(f"{why}: run/last.pt holds epoch 1, run/best.pt epoch 1")
    assert "\r" not in lines[-2]  # the bars were taken off first: the line starts clean
    assert "Traceback" not in err and "test accuracy" not in out
    resumed = _jumpdsl(*shlex.split(command)[1:], cwd=tmp_path)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert "epoch   1/3" not in out and "epoch   3/3" in out
    assert len((tmp_path / "run/metrics.csv").read_text().splitlines()) == 1 + 3


def test_stopped_before_the_first_epoch_saved_nothing(tmp_spec, tmp_path):
    spec = tmp_spec(TINY)
    proc = _jumpdsl("train", str(spec), "--out", "run", *SLOW, cwd=tmp_path)
    _wait_for(tmp_path / "run/settings.json", proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143
    assert err.strip().splitlines()[-1] == (
        "stopped by SIGTERM before the first epoch ended: nothing was saved in run/"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--lr", "0.1"], "--lr 0.1 (the run has 0.002) would change them; only --epochs may"),
        (["--recipe", "modern", "--seed", "3"], "--recipe modern (the run has default), --seed 3"),
        (["--step-at", "2,3"], "--step-at 2,3 (the run has none)"),
        (["--data", "synthetic:65"], "the run's data, synthetic:64, not --data synthetic:65"),
        (["--set", "classes=3"], "--set classes=3 would change it"),
    ],
)
def test_resume_refuses_changed_options_by_name(tmp_spec, tmp_path, capsys, args, says):
    spec = tmp_spec(TINY)
    run = ["train", str(spec), "--out", str(tmp_path / "run")]
    assert main([*run, "--data", "synthetic:64", "--batch-size", "16", "--epochs", "1"]) == 0
    before = (tmp_path / "run/last.pt").read_bytes()
    capsys.readouterr()
    assert main([*run, "--resume", *args]) == 2
    assert says in capsys.readouterr().err
    assert (tmp_path / "run/last.pt").read_bytes() == before


def test_resume_may_extend_the_epochs_and_repeat_what_was_given(tmp_spec, tmp_path):
    spec = tmp_spec(TINY)
    run = ["train", str(spec), "--out", str(tmp_path / "run"), "--data", "synthetic:64"]
    seed = ["--recipe", "seed", "--lottery", "0", "--lr", "0.01"]
    assert main([*run, *seed, "--batch-size", "16", "--epochs", "1"]) == 0
    assert main([*run, "--resume", *seed, "--epochs", "2"]) == 0
    assert len((tmp_path / "run/metrics.csv").read_text().splitlines()) == 1 + 2
