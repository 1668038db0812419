"""Training's parts on their own: settings and recipes, the lr schedules, kernel-only weight
decay, augmentation, batches, checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from op_examples import CASES, IDS, Case, graph_of
from torch import nn

from conftest import SPECS
from jumpdsl.api import check_file
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.train.accel import SMALL_NETWORK_MACS, make_runtime, threads_kept
from jumpdsl.train.augment import augment_batch
from jumpdsl.train.batches import Feeder, Normalization
from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from jumpdsl.train.dataset import Split
from jumpdsl.train.distributed import Group
from jumpdsl.train.optim import build_optimizer, decayed_parameters, lr_at
from jumpdsl.train.settings import Settings, resolve


def test_seed_recipe_is_the_seeds() -> None:
    s = resolve("seed", {})
    assert (s.optimizer, s.batch_size, s.lr, s.patience, s.lottery) == ("adam", 64, 1e-3, 10, 5)
    assert lr_at(s, 9.99) == 1e-3 and math.isclose(lr_at(s, 10), 1e-4)
    assert s.weight_decay == 2 * 1e-3  # Keras L2(1e-3): d/dw 1e-3·w² = 2e-3·w
    assert (s.label_smoothing, s.augment, s.normalize) == (0.0, "none", False)  # plain, as then


def test_options_override_the_recipe_and_are_checked() -> None:
    assert resolve("seed", {"lr": 0.5, "epochs": None}).lr == 0.5
    assert resolve("seed", {"epochs": None}).epochs == 100
    with pytest.raises(ValueError, match="label smoothing"):
        resolve("default", {"label_smoothing": 1.5})
    with pytest.raises(ValueError, match="unknown recipe"):
        resolve("fastest", {})


def test_settings_round_trip_through_json() -> None:
    s = resolve("modern", {"step_at": (3, 6), "schedule": "step"})
    assert Settings.from_json(s.to_json()) == s


def test_cosine_and_warmup_and_onecycle() -> None:
    s = Settings(lr=1.0, schedule="cosine", epochs=10, warmup_epochs=2)
    assert lr_at(s, 1) == pytest.approx(0.5)  # half way up the warmup
    assert lr_at(s, 2) == pytest.approx(1.0)
    assert lr_at(s, 6) == pytest.approx(0.5)  # half way down the cosine
    assert lr_at(s, 10) == pytest.approx(0.0, abs=1e-12)
    one = Settings(lr=1.0, schedule="onecycle", epochs=10)
    values = [lr_at(one, e / 10) for e in range(101)]
    assert values[0] == pytest.approx(1 / 25) and max(values) == pytest.approx(1.0)
    assert values.index(max(values)) == 30 and values[-1] < 1e-4


def test_weight_decay_only_on_kernels() -> None:
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    net = build_module(graph)
    optimizer = build_optimizer(graph, net, Settings(weight_decay=0.01))
    decayed, plain = optimizer.param_groups
    kernels = {id(m.weight) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
    assert {id(p) for p in decayed["params"]} == kernels
    assert (decayed["weight_decay"], plain["weight_decay"]) == (0.01, 0.0)
    assert len(plain["params"]) == len(list(net.parameters())) - len(kernels)  # biases, BN


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weight_decay_follows_each_entry(case: Case) -> None:
    # The tensors named in the op's `decay` get it, in core and plugin ops alike; no other.
    graph = graph_of(case)
    net = build_module(graph)
    named = {
        f"{node}.{name}"
        for node in graph
        if not graph[node].is_input
        for name in graph.ops[graph[node].op].decay
    }
    expected = {id(p) for key, p in net.named_parameters() if key in named}
    assert decayed_parameters(graph, net) == expected
    assert bool(expected) == bool(case.op.decay) or not list(net.parameters())


def test_crop_moves_the_image_and_flip_mirrors_it() -> None:
    x = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).view(2, 1, 8, 8) + 1
    g = torch.Generator().manual_seed(0)
    crops = [augment_batch(x, "crop", g) for _ in range(20)]
    for crop in crops:  # each row is a row of the image shifted by at most 1, or zero padding
        assert crop.shape == x.shape
        inner = crop[:, :, 1:-1, 1:-1]
        assert all(torch.isin(inner[i], x[i]).all() for i in range(2))
    assert any(not torch.equal(c, x) for c in crops)
    flips = [augment_batch(x, "flip", g) for _ in range(20)]
    assert all(
        torch.equal(f[i], x[i]) or torch.equal(f[i], x[i].flip(2)) for f in flips for i in (0, 1)
    )
    assert any(torch.equal(f[0], x[0].flip(2)) for f in flips)


def _feeder(n: int = 10, group: Group | None = None) -> Feeder:
    x = np.arange(n, dtype=np.uint8).repeat(4).reshape(n, 1, 2, 2)
    split = Split(x, np.arange(n, dtype=np.int64))
    return Feeder(split, Normalization(1.0, (0.0,), (1.0,)), make_runtime("cpu"), group or Group())


def test_epochs_shuffle_differently_and_drop_the_last_partial_batch() -> None:
    feeder = _feeder()
    first = [y.tolist() for _, y in feeder.train(4, seed=0, epoch=0, augment="none")]
    again = [y.tolist() for _, y in feeder.train(4, seed=0, epoch=0, augment="none")]
    second = [y.tolist() for _, y in feeder.train(4, seed=0, epoch=1, augment="none")]
    assert first == again != second
    assert [len(b) for b in first] == [4, 4] and len({y for batch in first for y in batch}) == 8


def test_processes_split_each_global_batch() -> None:
    alone = [y.tolist() for _, y in _feeder().train(4, 0, 0, "none")]
    parts = [
        [y.tolist() for _, y in _feeder(group=Group(rank, 2)).train(4, 0, 0, "none")]
        for rank in (0, 1)
    ]
    assert [a + b for a, b in zip(*parts, strict=True)] == alone
    shares = [
        [v for _, y in _feeder(group=Group(r, 2)).evaluation(3) for v in y.tolist()] for r in (0, 1)
    ]
    assert sorted(shares[0] + shares[1]) == list(range(10))


def test_checkpoint_is_plain_data_and_loads_weights_only(tmp_path) -> None:
    state = {
        "model": {"w": torch.ones(2)},
        "history": [{"epoch": 1, "val_acc": 0.5, "val_loss": 1.0}],
        "x": (1, 2),
        **{"params": {}, "data": "synthetic", "settings": {}, "optimizer": {}, "lottery": []},
        "normalization": {"scale": 255.0, "mean": [0.0], "std": [1.0]},
    }
    save_checkpoint(tmp_path / "a.pt", state)
    loaded = load_checkpoint(tmp_path / "a.pt")
    assert (
        torch.equal(loaded["model"]["w"], torch.ones(2)) and loaded["history"] == state["history"]
    )
    torch.save({"format": "jumpdsl-train/1", "bad": nn.Linear(1, 1)}, tmp_path / "b.pt")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "b.pt")  # a pickled module is refused, not run
    torch.save({"model": {}}, tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="not a jumpdsl training checkpoint"):
        load_checkpoint(tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "none.pt")


def test_small_networks_train_on_one_cpu_thread() -> None:
    before = torch.get_num_threads()
    with threads_kept():
        torch.set_num_threads(2)
        make_runtime("cpu", macs=SMALL_NETWORK_MACS)  # large enough: left alone
        assert torch.get_num_threads() == 2
        make_runtime("cpu", macs=SMALL_NETWORK_MACS - 1)
        assert torch.get_num_threads() == 1
        make_runtime("cpu", threads=2, macs=1)  # an explicit --threads wins
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before
