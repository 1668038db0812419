"""The torch backend against the shape pass, on every spec, and its naming and code."""

from __future__ import annotations

import pytest
import torch
from torch.fx.passes.shape_prop import ShapeProp

import jumpdsl
from conftest import ALL_SPECS, SPECS, net
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.backends.torch_runtime import pick_device, prepare
from jumpdsl.diagnostics import JumpdslError
from jumpdsl.passes.shapes import Shapes


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_shape_pass_equals_torch_on_every_spec(spec) -> None:
    graph = check_file(spec).raise_for_errors()
    with torch.device("meta"):  # shapes only: no weights to allocate or initialise
        module = build_module(graph)
    ShapeProp(module).propagate(torch.empty(2, *graph.input_shape, device="meta"))
    compared = 0
    for fx_node in module.graph.nodes:
        ir_node = fx_node.meta.get("jumpdsl_node")
        if ir_node is None:
            continue
        torch_shape = tuple(fx_node.meta["tensor_meta"].shape)
        assert torch_shape == (2, *graph.get(Shapes, ir_node).shape), ir_node
        compared += 1
    assert compared == len(graph)
    params = sum(p.numel() for p in module.parameters())
    assert params == sum(graph.get(Shapes, n).params for n in graph)


def test_module_names_follow_scope_paths_in_source_order() -> None:
    model = jumpdsl.load(SPECS / "jumpnet.jnet")
    keys = list(model.state_dict())
    assert keys[0] == "stem.conv1.weight"
    assert "learner.group2.block3.conv1.weight" in keys
    assert keys.index("learner.group1.block3.conv3.weight") < keys.index(
        "learner.group1.jump1.conv1.weight"
    )
    assert keys[-1] == "task.dense1.bias"


def test_forward_is_straight_line_generated_code() -> None:
    model = jumpdsl.load(SPECS / "jumpnet.jnet", hierarchy=False)  # the tree: test_hierarchy
    assert isinstance(model, torch.fx.GraphModule)
    code = model.code
    assert "self.learner.group2.block3.conv1(" in code
    assert "torch.cat([" in code
    assert "for " not in code  # no walk over a graph at call time


def test_load_with_parameters_and_seed() -> None:
    a = jumpdsl.load(SPECS / "jumpnet.jnet", classes=3, seed=7)
    b = jumpdsl.load(SPECS / "jumpnet.jnet", classes=3, seed=7)
    x = torch.randn(2, 3, 32, 32)
    a.eval(), b.eval()
    assert a(x).shape == (2, 3)
    assert torch.equal(a(x), b(x))


def test_load_raises_with_rendered_diagnostics(tmp_spec) -> None:
    path = tmp_spec(net("stem { cnov(3, 3x3) }"))
    with pytest.raises(JumpdslError) as info:
        jumpdsl.load(path)
    assert "t.jnet:4:8: error[JD201]" in str(info.value)


def test_he_normal_init_zeroes_biases_and_scales_weights() -> None:
    graph = check_text(net("stem { conv(256, 3x3) }", head="defaults { init = he_normal }"))
    module = build_module(graph.raise_for_errors(), seed=0)
    conv = module.get_submodule("stem.conv1")
    assert torch.count_nonzero(conv.bias) == 0
    expected_std = (2 / (3 * 9)) ** 0.5
    assert abs(conv.weight.std().item() - expected_std) / expected_std < 0.1


def test_torch_compile_only_by_default_on_cuda() -> None:
    module = torch.nn.Linear(2, 2)
    prepared, compiled = prepare(module, torch.device("cpu"))
    assert compiled is False and prepared is module
    prepared, compiled = prepare(module, torch.device("cpu"), torch_compile=True)
    assert compiled is True and prepared is not module
    assert pick_device("cpu").type == "cpu"


def test_check_text_and_load_text_at_the_top_level() -> None:
    # a notebook holds a spec in a string: the same as a file of that text
    text = net("stem { conv(c, 3x3) bn relu } task { gap dense(2) }", params="c: int = 4")
    checked = jumpdsl.check_text(text, c=6)
    assert checked.ok and checked.graph.get(Shapes, "stem.conv1").shape == (6, 16, 16)
    model = jumpdsl.load_text(text, seed=0, c=6).eval()
    x = torch.randn(2, 3, 16, 16)
    reference = build_module(check_text(text, params={"c": 6}).raise_for_errors(), seed=0).eval()
    with torch.no_grad():
        assert torch.equal(model(x), reference(x))
    bad = jumpdsl.check_text(net("task { gap dense(2) rleu }"))
    assert not bad.ok and bad.diagnostics[0].code == "JD201"
    with pytest.raises(JumpdslError, match="did you mean 'relu'"):
        jumpdsl.load_text(net("task { gap dense(2) rleu }"))
