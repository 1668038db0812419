"""The seed's lottery: several fresh models trained briefly; the lowest validation loss wins."""

from __future__ import annotations

import pytest
import torch
from train_helpers import TINY_BN

from jumpdsl.api import check_text
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.train.accel import make_runtime
from jumpdsl.train.batches import Feeder, Normalization
from jumpdsl.train.data import load_data, split_validation
from jumpdsl.train.distributed import Group
from jumpdsl.train.evaluate import score
from jumpdsl.train.lottery import draw_lottery
from jumpdsl.train.settings import Settings


def test_the_lowest_validation_loss_wins() -> None:
    graph = check_text(TINY_BN).raise_for_errors()
    data = load_data("synthetic:64", (3, 8, 8), 4)
    train, val = split_validation(data.train, 0.25)
    assert val is not None
    norm = Normalization.fit(train, data.scale, True)
    rt = make_runtime("cpu")
    feeders = (Feeder(train, norm, rt, Group()), Feeder(val, norm, rt, Group()))
    settings = Settings(lottery=3, lottery_steps=4, lottery_batch=8, lottery_lr=1e-2, seed=5)
    notes: list[str] = []
    weights, rows = draw_lottery(graph, settings, feeders, rt, Group(), notes.append)
    assert [r["seed"] for r in rows] == [5, 6, 7] and len(notes) == 3
    losses = [r["val_loss"] for r in rows]
    assert len(set(losses)) == 3  # different draws, different losses
    kept = score(graph, weights, val, norm, rt)
    assert kept.loss == pytest.approx(min(losses), rel=1e-6)
    untrained = build_module(graph, seed=5).state_dict()
    assert any(not torch.equal(untrained[k], weights[k]) for k in weights)  # trained, not fresh
