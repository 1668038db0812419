"""The module tree ``jumpdsl.load`` returns: a submodule per section and template instance, each
with its own forward, against the flat module (same weights, same function, same state_dict),
and what the tree is for: per-block checkpointing, FSDP wrapping by block class, freezing."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from op_examples import CASES, IDS, graph_of, randomise
from torch.fx.interpreter import Interpreter
from torch.utils.checkpoint import checkpoint

import jumpdsl
from conftest import ALL_SPECS, SPECS, ZOO_SPECS, net
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.backends.torch_nest import SCOPE, Part, nest, template_classes

JUMPNET = SPECS / "jumpnet.jnet"
# A block whose first op is a ReLU of its input: flat, that ReLU would work in place over the
# stem's batch norm (fresh, read by nothing else); as a module it must not write its input.
ACT = net(
    "stem { conv(8, 3x3) bn }\n learner { Act Act }\n task { gap dense(4) }",
    head="block Act() { relu conv(8, 3x3) }",
)


def _pair(graph, seed: int = 0) -> tuple[torch.fx.GraphModule, torch.fx.GraphModule]:
    """The flat and the nested module of one checked graph, with the same weights."""
    return build_module(graph, seed=seed), build_module(graph, seed=seed, hierarchy=True)


def _blocks(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The block instances (template kind 'block'), outermost only."""
    graph = check_file(JUMPNET).raise_for_errors()
    kinds = {s.template for s in graph.scopes.values() if s.kind == "block"}
    return [m for m in model.modules() if isinstance(m, Part) and m.template in kinds]


def test_print_shows_template_names() -> None:
    shown = str(jumpdsl.load(JUMPNET))
    assert shown.startswith("JumpNet(\n  (stem): Stem(\n")
    assert "(learner): Learner(\n    (group1): JumpGroup(\n      (block1): JumpBottleneck(" in shown
    assert "(jump1): Jump(" in shown and "(task): Task(" in shown
    assert "Module(" not in shown  # no anonymous container left
    resnet = str(jumpdsl.load(ZOO_SPECS / "resnet.jnet"))
    assert "(block1): Bottleneck(" in resnet and "(skip1): Skip(" in resnet


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_nested_is_the_flat_function_with_the_same_state_dict(spec) -> None:
    graph = check_file(spec).raise_for_errors()
    flat, nested = _pair(graph)
    assert list(nested.state_dict()) == list(flat.state_dict())  # keys and order
    for key, value in flat.state_dict().items():
        assert torch.equal(nested.state_dict()[key], value), key
    x = torch.randn(1, *graph.input_shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(nested.eval()(x), flat.eval()(x))


@pytest.mark.parametrize("spec", [JUMPNET, ZOO_SPECS / "resnet.jnet"], ids=lambda p: p.name)
def test_nested_trains_as_the_flat_module(spec) -> None:
    graph = check_file(spec, {} if spec == JUMPNET else {"depth": 18}).raise_for_errors()
    flat, nested = _pair(graph)
    size = (2, *graph.input_shape) if spec == JUMPNET else (2, 3, 64, 64)
    x, y = torch.randn(size), torch.tensor([1, 0])
    for module in (flat, nested):
        F.cross_entropy(module.train()(x), y).backward()
    for (name, a), b in zip(flat.named_parameters(), nested.parameters(), strict=True):
        assert torch.equal(a.grad, b.grad), name
    after = nested.state_dict()
    for key, value in flat.state_dict().items():  # running statistics included
        assert torch.equal(after[key], value), key


def test_each_block_is_a_module_with_its_own_forward() -> None:
    graph = check_file(JUMPNET).raise_for_errors()
    flat, nested = _pair(graph)
    x = torch.randn(2, 3, 32, 32)
    seen: dict[str, torch.Tensor] = {}

    class Record(Interpreter):
        def run_node(self, n):
            seen[n.name] = result = super().run_node(n)
            return result

    with torch.no_grad():
        Record(flat.eval()).run(x)
        block = nested.eval().learner.group1.block1
        assert type(block).__name__ != "GraphModule" and block.template == "JumpBottleneck"
        out = block(seen["stem_relu2"])
    assert torch.equal(out, seen["learner_group1_block1_add1"])
    assert "self.block1(" in nested.learner.group1.code  # the group calls its blocks
    assert "self.conv1(" in block.code


def test_a_block_does_not_write_over_its_input() -> None:
    graph = check_text(ACT).raise_for_errors()
    flat, model = _pair(graph)
    assert "torch.relu_" in flat.code  # flat, the first block's ReLU is in place
    x = torch.randn(2, 8, 16, 16)
    kept = x.clone()
    model.learner.block1(x)
    assert torch.equal(x, kept)
    assert "relu_" not in model.learner.block1.code
    ones = torch.ones(1, 3, 16, 16)
    assert torch.equal(model.eval()(ones), flat.eval()(ones))


@pytest.mark.parametrize("text", [None, ACT], ids=["jumpnet", "relu-first block"])
def test_activation_checkpointing_per_block(text) -> None:
    graph = (check_file(JUMPNET) if text is None else check_text(text)).raise_for_errors()
    plain = build_module(graph, seed=0, hierarchy=True)
    checked = copy.deepcopy(plain)
    kinds = {s.template for s in graph.scopes.values() if s.kind == "block"}
    wrapped = 0
    for module in checked.modules():
        if isinstance(module, Part) and module.template in kinds:
            forward = module.forward
            module.forward = lambda *a, f=forward: checkpoint(f, *a, use_reentrant=False)
            wrapped += 1
    assert wrapped == sum(isinstance(m, Part) and m.template in kinds for m in plain.modules())
    x = torch.randn(2, *graph.input_shape)
    outputs = [F.cross_entropy(m.train()(x), torch.tensor([1, 2])) for m in (plain, checked)]
    for loss in outputs:
        loss.backward()
    assert torch.equal(outputs[0], outputs[1])
    for (name, a), b in zip(plain.named_parameters(), checked.parameters(), strict=True):
        assert torch.equal(a.grad, b.grad), name


def test_fsdp_wraps_each_block_by_its_class(tmp_path) -> None:
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch without gloo")
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    from torch.distributed.fsdp.wrap import ModuleWrapPolicy

    model = jumpdsl.load(JUMPNET, seed=0)
    reference = copy.deepcopy(model).eval()
    block = template_classes(model)["JumpBottleneck"]
    x = torch.randn(2, 3, 32, 32)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        policy = ModuleWrapPolicy({block})
        sharded = FSDP(model, auto_wrap_policy=policy, device_id=torch.device("cpu"))
        inner = [m.module for m in sharded.modules() if isinstance(m, FSDP)][1:]
        assert len(inner) == 10 and all(isinstance(m, block) for m in inner)
        with torch.no_grad():
            assert torch.equal(sharded.eval()(x), reference(x))
    finally:
        dist.destroy_process_group()


def test_freezing_one_block_trains_only_the_others() -> None:
    model = jumpdsl.load(JUMPNET, seed=0).train()
    frozen = model.learner.group2.block3
    frozen.requires_grad_(False)
    before = {k: v.clone() for k, v in model.named_parameters()}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    F.cross_entropy(model(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3])).backward()
    optimizer.step()
    changed = {k for k, v in model.named_parameters() if not torch.equal(v, before[k])}
    inside = {f"learner.group2.block3.{k}" for k, _ in frozen.named_parameters()}
    assert inside and not changed & inside
    assert changed == set(before) - inside


def test_torch_compile_sees_one_graph() -> None:
    model = jumpdsl.load(JUMPNET)
    explained = torch._dynamo.explain(model)(torch.randn(2, 3, 32, 32))
    assert (explained.graph_count, explained.graph_break_count) == (1, 0)


def test_template_classes_are_shared_by_instances_and_survive_a_copy() -> None:
    model = jumpdsl.load(JUMPNET)
    classes = template_classes(model)
    blocks = [m for m in model.modules() if isinstance(m, classes["JumpBottleneck"])]
    assert len(blocks) == 10 and len(_blocks(model)) == 10
    assert "(block1): JumpBottleneck(" in str(copy.deepcopy(model))


def test_flat_on_request() -> None:
    flat = jumpdsl.load(JUMPNET, hierarchy=False)
    assert "self.learner.group2.block3.conv1(" in flat.code
    assert not any(isinstance(m, Part) for m in flat.modules())


def test_torchinfo_shows_depths() -> None:
    torchinfo = pytest.importorskip("torchinfo")
    model = jumpdsl.load(JUMPNET)
    rows = {
        depth: str(torchinfo.summary(model, (1, 3, 32, 32), depth=depth, verbose=0))
        for depth in (1, 2, 3)
    }
    assert "Learner" in rows[1] and "JumpGroup" not in rows[1]
    assert "JumpGroup" in rows[2] and "JumpBottleneck" not in rows[2]
    assert "JumpBottleneck" in rows[3]


def test_torchview_draws_each_depth() -> None:
    torchview = pytest.importorskip("torchview")

    def drawn(model: torch.nn.Module, depth: int) -> str:
        view = torchview.draw_graph(model, input_size=(1, 3, 32, 32), depth=depth)
        return str(view.visual_graph.source)

    tree = jumpdsl.load(JUMPNET)
    shown = [drawn(tree, depth) for depth in (1, 2, 3)]
    assert "Learner" in shown[0] and "JumpGroup" in shown[1] and "JumpBottleneck" in shown[2]
    assert shown[0].count("->") < shown[1].count("->") < shown[2].count("->")


def test_a_scope_in_two_runs_stays_inline() -> None:
    # a.one, b.two, a.three: `a` cannot be called at one place, so its layers stay in the root
    root, code = torch.nn.Module(), torch.fx.Graph()
    value = code.placeholder("x")
    value.meta[SCOPE] = "input"
    for path in ("a.one", "b.two", "a.three"):
        layer = torch.nn.Linear(2, 2)
        parent, _, leaf = path.rpartition(".")
        if not hasattr(root, parent):
            root.add_module(parent, torch.nn.Module())
        root.get_submodule(parent).add_module(leaf, layer)
        value = code.call_module(path, (value,))
        value.meta[SCOPE] = path  # the IR node that made it: the module path
    code.output(value)
    flat = torch.fx.GraphModule(root, code)
    tree = nest(flat, SimpleNamespace(name="Net", scopes={}))
    assert [name for name, _ in tree.named_children()] == ["a", "b"]
    assert isinstance(tree.b, Part) and tree.b.template == "B"
    assert not isinstance(tree.a, Part) and "self.a.three(" in tree.code
    assert list(tree.state_dict()) == list(flat.state_dict())
    x = torch.randn(3, 2)
    assert torch.equal(tree(x), flat(x))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_op_example_nests_to_the_same_function(case) -> None:
    # tensors of a node's own (layerscale's gamma), buffers kept out of the state_dict, plugins
    graph = graph_of(case)
    flat, nested = _pair(graph)
    assert list(nested.state_dict()) == list(flat.state_dict())
    assert [k for k, _ in nested.named_buffers()] == [k for k, _ in flat.named_buffers()]
    outputs = []
    for module in (flat, nested):
        randomise(module)
        torch.manual_seed(2)  # dropout: the same mask on both sides
        x = torch.randn(3, *case.example.input, generator=torch.Generator().manual_seed(1))
        outputs.append(module.train(case.example.train)(x))
    assert torch.equal(outputs[0], outputs[1])
