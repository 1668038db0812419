"""The benchmark's pieces: the hand-written JumpNet is the seed's, and computes what the
compiled spec computes; the generated specs of the scaling series are valid and as large as
asked. (The timings themselves are printed by benchmarks/run.py, never asserted here.)"""

from __future__ import annotations

import sys
from collections import Counter

import pytest
import torch
import torch.nn.functional as F

from conftest import ROOT, SPECS
from jumpdsl.api import check_file, check_text
from jumpdsl.passes.shapes import Shapes

sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_models import models
from bench_scaling import spec_text
from jumpnet_torch import JumpNet


def test_hand_written_jumpnet_has_the_seeds_figures() -> None:
    model = JumpNet()
    assert sum(p.numel() for p in model.parameters()) == 813_418
    assert model.features(torch.randn(2, 3, 32, 32)).shape == (2, 256, 4, 4)


def test_hand_written_and_compiled_compute_the_same_function() -> None:
    hand, generated = models(torch.device("cpu"))
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    assert len(hand.state_dict()) == len(generated.state_dict()) == 268
    assert [t.shape for t in hand.state_dict().values()] == [
        t.shape for t in generated.state_dict().values()
    ]
    assert (
        sum(p.numel() for p in generated.parameters())
        == 813_418
        == sum(graph.get(Shapes, n).params for n in graph)
    )
    x, y = torch.randn(2, 3, 32, 32), torch.tensor([3, 9])
    hand.eval(), generated.eval()
    torch.testing.assert_close(generated(x), hand(x), rtol=0, atol=0)
    hand.train(), generated.train()
    F.cross_entropy(hand(x), y).backward()
    F.cross_entropy(generated(x), y).backward()
    for a, b in zip(hand.parameters(), generated.parameters(), strict=True):
        torch.testing.assert_close(b.grad, a.grad)


# Bookkeeping that costs no arithmetic: views, and the pool's own wrapper around mean.
_FREE = {"aten::view", "aten::as_strided", "aten::flatten", "aten::reshape", "aten::unsqueeze"}


def _kernels(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Counter[str]:
    with torch.profiler.profile() as prof:
        F.cross_entropy(model(x), y).backward()
    names = Counter(e.name for e in prof.events() if e.name.startswith("aten::"))
    for name in (*_FREE, "aten::adaptive_avg_pool2d"):
        del names[name]
    return names


def test_compiled_runs_the_kernels_the_hand_written_model_runs() -> None:
    # Why the ratios are 1: forward and backward call the same ATen kernels, as many times
    # (in-place ReLU included); the pool is a plain mean.
    hand, generated = models(torch.device("cpu"))
    x, y = torch.randn(2, 3, 32, 32), torch.tensor([3, 9])
    ran = _kernels(generated.train(), x, y)
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    ops = Counter(node.op for node in graph.nodes())
    assert (ran["aten::relu_"], ran["aten::convolution"]) == (ops["relu"], ops["conv"])
    assert ran == _kernels(hand.train(), x, y)


@pytest.mark.parametrize("layers", [100, 10_000])
def test_scaling_specs_are_valid_and_as_large_as_asked(layers) -> None:
    result = check_text(spec_text(layers))
    assert result.ok, result.diagnostics
    assert abs(len(result.graph) - layers) <= 13  # one stanza
