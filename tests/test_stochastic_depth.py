"""stochastic_depth against its formula (torchvision's StochasticDepth): the identity in eval
mode, bit for bit; in training, each sample's branch (mode row) or the whole batch's (mode
batch) kept with probability 1 − p and then scaled by 1/(1 − p), with a fixed seed; and, as the
last op of a residual branch, a block that is x + keep · f(x)."""

from __future__ import annotations

import math

import pytest
import torch

from jumpdsl.api import check_text
from jumpdsl.backends.torch_fx import build_module


def _module(body: str, shape: str = "[4, 6, 6]") -> torch.nn.Module:
    spec = f"network T {{\n    input {shape}\n    stem {{ {body} }}\n}}\n"
    return build_module(check_text(spec).raise_for_errors(), seed=0)


def test_eval_mode_is_the_identity_exactly() -> None:
    module = _module("stochastic_depth(0.9)").eval()
    x = torch.randn(64, 4, 6, 6)
    assert torch.equal(module(x), x)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_rows_drop_a_fraction_p_and_scale_the_rest(p: float) -> None:
    module = _module(f"stochastic_depth({p:g})").train()
    n = 20_000
    x = torch.rand(n, 4, 6, 6) + 1.0  # never 0: a zero in the output is a drop
    torch.manual_seed(7)
    y = module(x)
    # one draw per sample: a sample is all zeros or all x / (1 − p)
    kept = y.reshape(n, -1)[:, 0] != 0
    assert torch.equal(y.reshape(n, -1) != 0, kept[:, None].expand(n, 4 * 6 * 6))
    expected = x * (kept.float() / (1 - p)).view(n, 1, 1, 1)
    assert torch.allclose(y, expected, rtol=1e-6, atol=0)
    # the fraction dropped is p within 4 standard deviations of a binomial's
    dropped = 1 - kept.float().mean().item()
    assert abs(dropped - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_batch_mode_draws_once_for_the_whole_batch() -> None:
    module = _module("stochastic_depth(0.5, mode=batch)").train()
    x = torch.rand(16, 4, 6, 6) + 1.0
    outcomes = set()
    for seed in range(40):
        torch.manual_seed(seed)
        ratio = module(x) / x
        assert torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio))  # one factor for all
        outcomes.add(round(ratio.flatten()[0].item(), 4))
    assert outcomes == {0.0, 2.0}


def test_p_zero_is_the_identity_in_training() -> None:
    module = _module("stochastic_depth(0)").train()
    x = torch.randn(8, 4, 6, 6)
    assert torch.equal(module(x), x)


def test_on_a_residual_branch_a_dropped_sample_is_its_input() -> None:
    spec = """
block Residual(sd: float) {
    conv(4, 3x3) stochastic_depth(sd)
    skip add
}
network T {
    input [4, 6, 6]
    stem { Residual(0.5) }
}
"""
    module = build_module(check_text(spec).raise_for_errors(), seed=0).train()
    conv = module.get_submodule("stem.block1.conv1")
    x = torch.randn(400, 4, 6, 6)
    torch.manual_seed(3)
    y = module(x)
    torch.manual_seed(3)
    keep = torch.empty(400, 1, 1, 1).bernoulli_(0.5) / 0.5  # the same draw, plain torch
    with torch.no_grad():
        expected = x + conv(x) * keep
    assert torch.allclose(y, expected, atol=1e-6)
    dropped = keep.flatten() == 0
    assert 0 < int(dropped.sum()) < 400 and torch.equal(y[dropped], x[dropped])
