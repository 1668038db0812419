"""A trained network as one module: ``jumpdsl.load(spec, checkpoint=…)`` and
``jumpdsl export --checkpoint`` hold the checkpoint's weights and the run's input normalisation,
so raw inputs give what the trainer computed; against plain torch on the same weights."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from train_helpers import TINY, TINY_BN

import jumpdsl
from jumpdsl.api import check_file
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.cli import main
from jumpdsl.train.checkpoint import CheckpointError


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One short run of a network with batch norm and dropout, trained with --set classes=3."""
    folder = tmp_path_factory.mktemp("trained")
    spec = folder / "t.jnet"
    spec.write_text(TINY_BN, encoding="utf-8")
    argv = ["train", str(spec), "--out", str(folder / "run"), "--batch-size", "16"]
    assert main([*argv, "--data", "synthetic:64", "--epochs", "1", "--set", "classes=3"]) == 0
    return spec, folder / "run" / "best.pt"


def _reference(spec, checkpoint, raw: torch.Tensor) -> torch.Tensor:
    """The trainer's function by hand: the spec's module with the checkpoint's weights, fed
    the input as the trainer normalised it."""
    state = torch.load(checkpoint, weights_only=True)
    norm = state["normalization"]
    graph = check_file(spec, state["params"]).raise_for_errors()
    module = build_module(graph).eval()
    module.load_state_dict(state["model"])
    mean = torch.tensor(norm["mean"]).view(1, -1, 1, 1)
    std = torch.tensor(norm["std"]).view(1, -1, 1, 1)
    with torch.no_grad():
        return module((raw / norm["scale"] - mean) / std)


def _raw(seed: int = 0) -> torch.Tensor:
    return torch.rand(5, 3, 8, 8, generator=torch.Generator().manual_seed(seed)) * 255


def test_the_run_normalised_its_inputs(run) -> None:
    norm = torch.load(run[1], weights_only=True)["normalization"]
    assert any(abs(m) > 1e-3 for m in norm["mean"]) or any(abs(s - 1) > 1e-3 for s in norm["std"])


@pytest.mark.parametrize("inference", [False, True])
def test_load_with_a_checkpoint_computes_the_trained_function_on_raw_inputs(run, inference) -> None:
    spec, checkpoint = run
    model = jumpdsl.load(spec, checkpoint=checkpoint, inference=inference).eval()
    raw = _raw()
    want = _reference(spec, checkpoint, raw)
    with torch.no_grad():
        got = model(raw)
    assert got.shape == (5, 3)  # the run's --set classes=3, from the checkpoint
    assert torch.allclose(got, want, rtol=1e-5, atol=1e-5 * want.abs().max().item())
    # the normalisation is the module's own, not part of its weights
    assert set(model.state_dict()) == set(
        jumpdsl.load(spec, classes=3, inference=inference).state_dict()
    )


def test_export_pt2_with_a_checkpoint_holds_weights_and_normalisation(run, tmp_path) -> None:
    spec, checkpoint = run
    target = tmp_path / "trained.pt2"
    assert main(["export", str(spec), "-o", str(target), "--checkpoint", str(checkpoint)]) == 0
    program = torch.export.load(target)
    raw = _raw(1)
    want = _reference(spec, checkpoint, raw)
    assert torch.allclose(program.module()(raw), want, rtol=1e-5, atol=1e-6)


def _import(path):
    """A written .py as a module of its own, as a user's ``import model`` would give it."""
    found = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


@pytest.mark.parametrize("inference", [False, True])
def test_export_py_with_a_checkpoint_writes_the_weights_beside_it(run, tmp_path, inference):
    spec, checkpoint = run
    target = tmp_path / "model.py"
    argv = ["export", str(spec), "-o", str(target), "--checkpoint", str(checkpoint)]
    assert main([*argv, *(["--inference"] if inference else [])]) == 0
    weights = torch.load(tmp_path / "model.pt", weights_only=True)  # plain tensors
    exported = _import(target)
    model = exported.Model.trained().eval()
    assert set(model.state_dict()) == set(weights)
    assert "Model.trained() loads model.pt" in target.read_text()
    raw = _raw(2)
    want = jumpdsl.load(spec, checkpoint=checkpoint, inference=inference).eval()
    with torch.no_grad():
        got, expected = model(raw), want(raw)
    assert torch.allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert torch.allclose(got, _reference(spec, checkpoint, raw), rtol=1e-4, atol=1e-5)
    fresh = exported.Model().eval()  # no weights: random ones, and the same normalisation
    with torch.no_grad():
        assert not torch.allclose(fresh(raw), got)
    again = exported.Model(weights=tmp_path / "model.pt").eval()
    with torch.no_grad():
        assert torch.equal(again(raw), got)


def test_export_py_never_writes_its_weights_over_the_checkpoint(run, tmp_path, capsys) -> None:
    spec, checkpoint = run
    before = checkpoint.read_bytes()
    target = checkpoint.with_suffix(".py")  # best.py: its weights would be best.pt
    assert main(["export", str(spec), "-o", str(target), "--checkpoint", str(checkpoint)]) == 2
    assert checkpoint.read_bytes() == before and not target.exists()
    assert "best.pt, which is an input: choose another -o" in capsys.readouterr().err


def test_a_checkpoint_of_another_network_is_refused(run, tmp_path) -> None:
    other = tmp_path / "other.jnet"
    other.write_text(TINY, encoding="utf-8")
    with pytest.raises(CheckpointError, match="do not fit this network"):
        jumpdsl.load(other, checkpoint=run[1])


def test_a_damaged_normalisation_is_named(run, tmp_path) -> None:
    state = torch.load(run[1], weights_only=True)
    state["normalization"] = {"scale": 255.0, "mean": [0.5, 0.5, 0.5], "std": [0.0, 1.0, 1.0]}
    damaged = tmp_path / "damaged.pt"
    torch.save(state, damaged)
    with pytest.raises(CheckpointError, match="divides by zero"):
        jumpdsl.load(run[0], checkpoint=damaged)
    state["normalization"] = {"scale": "x"}
    torch.save(state, damaged)
    with pytest.raises(CheckpointError, match="'normalization' is not a scale, mean and std"):
        jumpdsl.load(run[0], checkpoint=damaged)
