"""Initialisation as data: every scheme gives the weights torch.nn.init gives (same seed, same
values), for weights and biases apart, per op and in ``defaults``; a bare ``init`` default
reaches each op whose own checker takes it, and jumpdsl's first names keep their meaning."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from conftest import net
from jumpdsl.api import check_text
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.ops.init import ALIASES, SCHEMES

init = nn.init

# The plain-torch reference of each scheme as a spec writes it: what torchvision writes.
REFERENCES = {
    "torch": lambda w: None,
    "zeros": init.zeros_,
    "ones": init.ones_,
    "constant(0.5)": lambda w: init.constant_(w, 0.5),
    "normal(0.01)": lambda w: init.normal_(w, 0, 0.01),
    "trunc_normal(0.02)": lambda w: init.trunc_normal_(w, std=0.02),
    "kaiming_normal": lambda w: init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu"),
    "kaiming_normal(fan_out)": lambda w: init.kaiming_normal_(w, mode="fan_out"),
    "kaiming_uniform(fan_in, linear)": lambda w: init.kaiming_uniform_(w, nonlinearity="linear"),
    "uniform_fan(fan_out)": lambda w: init.kaiming_uniform_(w, a=math.sqrt(5), mode="fan_out"),
    "xavier_normal(2)": lambda w: init.xavier_normal_(w, gain=2.0),
    "xavier_uniform": init.xavier_uniform_,
    "he_normal": lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
    "he_uniform": lambda w: init.kaiming_uniform_(w, nonlinearity="relu"),
    "glorot_normal": init.xavier_normal_,
    "glorot_uniform": init.xavier_uniform_,
}


def test_every_scheme_has_a_reference_here() -> None:
    written = {s.written() for s in SCHEMES.values()} | set(ALIASES)
    assert written <= set(REFERENCES), sorted(written - set(REFERENCES))


def _conv(args: str, seed: int = 4) -> nn.Module:
    graph = check_text(net(f"stem {{ conv(8, 3x3{args}) }}", input="[3, 8, 8]"))
    return build_module(graph.raise_for_errors(), seed=seed).get_submodule("stem.conv1")


def _expected(weight=None, bias=None, seed: int = 4) -> nn.Conv2d:  # type: ignore[no-untyped-def]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        conv = nn.Conv2d(3, 8, 3, padding=1)
        with torch.no_grad():
            if weight is not None:
                weight(conv.weight)
            if bias is not None:
                bias(conv.bias)
    return conv


@pytest.mark.parametrize("scheme", sorted(REFERENCES))
def test_a_weight_scheme_is_torchs(scheme: str) -> None:
    got = _conv(f", init={scheme}")
    # Biases follow: zero when the weight has a scheme, PyTorch's own with `torch`.
    bias = None if scheme == "torch" else init.zeros_
    expected = _expected(REFERENCES[scheme], bias)
    assert torch.equal(got.weight, expected.weight)
    assert torch.equal(got.bias, expected.bias)


@pytest.mark.parametrize("scheme", ["zeros", "ones", "constant(0.5)", "normal(0.01)", "torch"])
def test_a_bias_scheme_is_torchs(scheme: str) -> None:
    got = _conv(f", init=kaiming_normal(fan_out), bias_init={scheme}")
    expected = _expected(REFERENCES["kaiming_normal(fan_out)"], REFERENCES[scheme])
    assert torch.equal(got.weight, expected.weight) and torch.equal(got.bias, expected.bias)
    alone = _conv(f", bias_init={scheme}")  # the weight keeps PyTorch's initialisation
    expected = _expected(None, REFERENCES[scheme])
    assert torch.equal(alone.weight, expected.weight) and torch.equal(alone.bias, expected.bias)


def test_torchvision_style_defaults() -> None:
    # torchvision's resnets: kaiming_normal_(fan_out, relu) convs; mobilenets: zero conv biases
    # and normal(0, 0.01) heads.
    text = net(
        "stem { conv(8, 3x3) bn relu } task { gap dense(5) }",
        head="    defaults { conv.init = kaiming_normal(fan_out), dense.init = normal(0.01) }",
    )
    module = build_module(check_text(text).raise_for_errors(), seed=1)
    torch.manual_seed(1)
    conv, dense = nn.Conv2d(3, 8, 3, padding=1), None
    init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
    nn.BatchNorm2d(8)  # draws nothing
    dense = nn.Linear(8, 5)
    init.normal_(dense.weight, 0, 0.01)
    assert torch.equal(module.stem.conv1.weight, conv.weight)
    assert torch.count_nonzero(module.stem.conv1.bias) == 0
    assert torch.equal(module.task.dense1.weight, dense.weight)
    assert torch.count_nonzero(module.task.dense1.bias) == 0


def test_a_bare_default_reaches_each_op_that_takes_it() -> None:
    body = "stem { conv(4, 3x3) layerscale } task { gap dense(3) }"
    graph = check_text(net(body, head="    defaults { init = he_normal }")).raise_for_errors()
    assert str(graph["stem.conv1"].attrs["init"]) == "kaiming_normal(fan_in, relu)"
    assert str(graph["task.dense1"].attrs["init"]) == "kaiming_normal(fan_in, relu)"
    assert str(graph["stem.layerscale1"].attrs["init"]) == "constant(1e-06)"  # not a vector's
    graph = check_text(net(body, head="    defaults { init = 1e-3 }")).raise_for_errors()
    assert str(graph["stem.layerscale1"].attrs["init"]) == "constant(0.001)"
    assert str(graph["stem.conv1"].attrs["init"]) == "torch"  # a number is not a conv's scheme
    graph = check_text(net(body, head="    defaults { init = zeros }")).raise_for_errors()
    assert {str(graph[n].attrs["init"]) for n in graph if n != "input" and "init" in graph[n].attrs}
    assert all(str(graph[n].attrs["init"]) == "zeros" for n in ("stem.conv1", "stem.layerscale1"))


def test_a_bare_default_no_op_takes_is_an_error_naming_the_first_checker() -> None:
    result = check_text(
        net("stem { conv(4, 3x3) layerscale }", head="defaults { init = he_norml }")
    )
    (diag,) = result.diagnostics
    assert diag.code == "JD203"
    assert diag.message.startswith("default 'init' expects an initialisation (torch, zeros")
    assert diag.hint == "did you mean 'he_normal' or 'he_uniform' or 'normal'?"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("kaiming_normal(fan_ot)", "expects kaiming_normal's mode: fan_in or fan_out, got fan_ot"),
        ("normal", "expects normal(std) (its std is needed), got normal"),
        ("normal(-1)", "expects normal's std: a number above 0, got -1"),
        ("constant(1, 2)", "expects constant(value), got constant(1, 2)"),
        ("1e-3", "expects an initialisation (torch, zeros"),
    ],
)
def test_a_bad_scheme_says_what_it_expects(written: str, message: str) -> None:
    result = check_text(net(f"stem {{ conv(4, 3x3, init={written}) }}"))
    (diag,) = result.diagnostics
    assert diag.code == "JD203" and message in diag.message, diag.message


def test_a_vector_scheme_on_layerscale() -> None:
    result = check_text(net("stem { conv(4, 3x3) layerscale(init=kaiming_normal) }"))
    (diag,) = result.diagnostics
    assert "expects a number or an initialisation of a vector" in diag.message
    graph = check_text(net("stem { conv(4, 3x3) layerscale(init=trunc_normal(0.02)) }"))
    gamma = build_module(graph.raise_for_errors(), seed=2).stem.layerscale1.gamma
    torch.manual_seed(2)
    nn.Conv2d(3, 4, 3, padding=1)  # the conv before it draws first
    expected = init.trunc_normal_(torch.zeros(4, 1, 1), std=0.02)  # C×1×1 on a map
    assert torch.equal(gamma.detach(), expected)
