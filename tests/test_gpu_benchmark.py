"""benchmarks/gpu.py checked on the CPU: its pairs compute one function, its plan holds every
row the issue asks for, and a row and the epoch run end to end (the timings are its own)."""

from __future__ import annotations

import sys

import torch

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import gpu

CPU = torch.device("cpu")


def test_pair_holds_one_function_in_each_precision() -> None:
    name, hand_cls, spec, shape, _ = gpu.NETWORKS[0]
    for precision in gpu.PRECISIONS:
        hand, generated = gpu.model_pair(hand_cls, spec, CPU, precision)
        hand.eval(), generated.eval()
        x = torch.randn(2, *shape)
        with torch.no_grad(), gpu.precision_scope(CPU, precision):
            want, got = hand(x).float(), generated(x).float()
        tolerance = 2e-2 if precision == "bf16+cl" else 1e-5
        assert (want - got).abs().max() <= tolerance * want.abs().max(), (name, precision)


def test_plan_covers_both_networks_cases_precisions_and_modes() -> None:
    plan = gpu.row_plan("all")
    assert len(plan) == len(set(plan)) == 2 * 2 * 2 * 2
    assert plan[0][3] == "compiled" and plan[0][2] == "bf16+cl"  # most important first
    assert {row[3] for row in gpu.row_plan("none")} == {"eager"}
    assert [row for row in gpu.row_plan("one") if row[3] == "compiled"] == [
        (0, "eval forward", "fp32", "compiled")
    ]


def test_a_row_runs_and_jumpnet_has_no_graph_break() -> None:
    row = gpu.run_row(gpu.NETWORKS[0], "train step", "fp32", "eager", CPU, batch=2, rounds=2)
    assert row.hand_ms > 0 and row.jumpdsl_ms > 0 and row.breaks is None
    _, hand_cls, spec, shape, _ = gpu.NETWORKS[0]
    _, generated = gpu.model_pair(hand_cls, spec, CPU, "fp32")
    assert gpu.graph_breaks(generated.eval(), torch.randn(2, *shape)) == 0


def test_the_epoch_runs_through_jumpdsl_train() -> None:
    assert gpu.epoch_seconds(CPU, 64) > 0
