"""`jumpdsl train`/`eval`/`compile` where the user's environment lacks something: a package
of the [train] extra, or CUDA. Each ends in one sentence and exit 2, never an internal error;
what is only nice to have (bars, curves) is skipped with a note."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from train_helpers import TINY

import jumpdsl
from jumpdsl.backends.torch_runtime import DeviceError
from jumpdsl.cli import main

ROOT = Path(jumpdsl.__file__).resolve().parent.parent
INSTALL = "pip install 'jumpdsl[train]'"
BLOCK = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # import fails as if the package were not installed
from jumpdsl.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _without(modules: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-c", BLOCK, modules, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_training_without_numpy_names_the_extra(tmp_spec, tmp_path) -> None:
    spec = tmp_spec(TINY)
    done = _without(
        "numpy", "train", str(spec), "--data", "synthetic:64", "--out", "run", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == f"jumpdsl: jumpdsl train needs numpy, which is not installed: {INSTALL}"
    assert not (tmp_path / "run").exists()


def test_synthetic_training_needs_none_of_the_other_extras(tmp_spec, tmp_path) -> None:
    spec = tmp_spec(TINY)
    args = ("train", str(spec), "--data", "synthetic:64", "--batch-size", "16", "--epochs", "1")
    done = _without("sklearn,tqdm,matplotlib", *args, "--out", "run", "--progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no progress bars: tqdm is not installed" in done.stdout
    assert f"curves.png not drawn: matplotlib is not installed ({INSTALL})" in done.stdout
    assert (tmp_path / "run/best.pt").exists() and not (tmp_path / "run/curves.png").exists()


def test_digits_without_scikit_learn_names_the_extra(tmp_path) -> None:
    spec = ROOT / "specs/digits.jnet"
    done = _without("sklearn", "train", str(spec), "--data", "digits", "--out", "run", cwd=tmp_path)
    assert done.returncode == 2 and INSTALL in done.stderr.splitlines()[-1]
    assert "internal error" not in done.stderr


def test_a_synthetic_smoke_run_reads_as_healthy(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(TINY)  # gap + dense: only the per-image averages reach the classifier
    assert (
        main(
            [
                "train",
                str(spec),
                "--data",
                "synthetic",
                "--epochs",
                "2",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    assert "synthetic data: a random pattern per class" in capsys.readouterr().out
    results = json.loads((tmp_path / "r/results.json").read_text())
    assert results["test_acc"] > 0.5  # four classes: chance is 0.25


no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this torch has CUDA")


@no_cuda
@pytest.mark.parametrize(
    "args",
    [
        ["compile", "specs/digits.jnet", "--device", "cuda"],
        ["train", "specs/digits.jnet", "--data", "synthetic:64", "--device", "cuda:1"],
        ["eval", "specs/digits.jnet", "--checkpoint", "x.pt", "--device", "cuda"],
    ],
)
def test_cuda_on_a_torch_without_it_is_one_sentence(args, tmp_path, capsys) -> None:
    args = [str(ROOT / a) if a.startswith("specs/") else a for a in args]
    if args[0] == "train":
        args += ["--out", str(tmp_path / "run")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("jumpdsl: device 'cuda")
        and f"torch {torch.__version__} reports no CUDA" in err
    )
    assert len(err.splitlines()) == 1 and not (tmp_path / "run").exists()


@no_cuda
def test_load_on_cuda_without_it_raises_a_clear_error() -> None:
    with pytest.raises(DeviceError, match=r"reports no CUDA .*install a CUDA build of torch"):
        jumpdsl.load(ROOT / "specs/digits.jnet", device="cuda")
    assert issubclass(DeviceError, ValueError)


def test_a_device_name_torch_does_not_know(capsys) -> None:
    assert main(["compile", str(ROOT / "specs/digits.jnet"), "--device", "gpu"]) == 2
    assert capsys.readouterr().err.strip() == (
        "jumpdsl: device 'gpu' is not a device name: use cpu, cuda or cuda:N"
    )


def test_export_needs_no_numpy_and_a_checkpoint_names_it(tmp_path) -> None:
    spec = str(ROOT / "specs/digits.jnet")
    done = _without("numpy", "export", spec, "-o", "net.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "net.py").read_text().startswith('"""DigitsJumpNet')
    norm = {"scale": 16.0, "mean": [0.3], "std": [0.4]}
    state = {"format": "jumpdsl-train/1", "model": {}, "params": {}, "normalization": norm}
    torch.save(state, tmp_path / "best.pt")
    done = _without("numpy", "export", spec, "-o", "t.py", "--checkpoint", "best.pt", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1] == (
        f"jumpdsl: jumpdsl export --checkpoint needs numpy, which is not installed: {INSTALL}"
    )
