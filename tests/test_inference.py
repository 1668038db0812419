"""The inference form: the same function as the training form in eval mode (within 1e-5 of
the largest output), batch norms folded where a conv or dense layer feeds them alone, no
dropout, channels-last, and on CPUs each convolution one fused oneDNN call."""

from __future__ import annotations

import copy
import importlib.util
import io

import pytest
import torch
import torch._dynamo
from torch import nn

import jumpdsl
from conftest import ALL_SPECS, SPECS, ZOO_SPECS
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.export import export_bytes
from jumpdsl.backends.inference import (
    SMALL_MATMUL_MACS,
    FusedBatchNorm2d,
    FusedConv2d,
    cpu_fusion_available,
    inference_module,
)
from jumpdsl.backends.torch_fx import build_module

TOLERANCE = 1e-5
NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
KEPT_NORMS = (*NORMS, FusedBatchNorm2d)  # the inference form's own


def _trained(graph, seed: int = 0) -> nn.Module:
    """The training form with batch-norm statistics and affine terms as after training: fresh
    ones are the identity, under which a wrong fold would go unseen. Tensors that start at
    zero (ViT's head and class token) are drawn too: a network whose output is all zero would
    compare nothing."""
    module = build_module(graph, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in module.parameters():
            if not tensor.any():
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.02)
        for norm in module.modules():
            if isinstance(norm, NORMS):
                size = norm.num_features
                norm.running_mean.copy_(torch.rand(size, generator=generator) * 2 - 1)
                norm.running_var.copy_(torch.rand(size, generator=generator) * 1.5 + 0.5)
                norm.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                norm.bias.copy_(torch.rand(size, generator=generator) - 0.5)
    return module.eval()


def _relative(out: torch.Tensor, ref: torch.Tensor) -> float:
    return float((out - ref).abs().max() / ref.abs().max())


def _foldable(graph) -> int:
    """Batch norms whose input is a conv or dense layer that nothing else reads (from the IR)."""
    return sum(
        1
        for node in graph.nodes()
        if node.op == "bn"
        and graph[graph.inputs(node.id)[0]].op in ("conv", "dense")
        and len(graph.users(graph.inputs(node.id)[0])) == 1
    )


@pytest.mark.parametrize("portable", [False, True], ids=["cpu-kernels", "portable"])
@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.stem)
def test_every_spec_computes_the_same(spec, portable) -> None:
    graph = check_file(spec).raise_for_errors()
    trained = _trained(graph)
    fast = inference_module(graph, weights=trained.state_dict(), portable=portable)
    x = torch.randn(1, *graph.input_shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert _relative(fast(x), trained(x)) <= TOLERANCE
    norms = sum(isinstance(m, NORMS) for m in trained.modules())
    assert sum(isinstance(m, KEPT_NORMS) for m in fast.modules()) == norms - _foldable(graph)
    assert not any(isinstance(m, nn.Dropout) for m in fast.modules())
    assert not fast.training and not any(p.requires_grad for p in fast.parameters())


def _needs_onednn() -> None:
    if not cpu_fusion_available():
        pytest.skip("this torch has no oneDNN")


def test_each_convolution_is_one_fused_call_on_cpus() -> None:
    _needs_onednn()
    graph = check_file(ZOO_SPECS / "resnet.jnet", {"depth": 50}).raise_for_errors()
    fast = inference_module(graph, seed=0)
    calls = [n for n in fast.graph.nodes if n.op in ("call_function", "call_module")]
    convs = sum(1 for node in graph.nodes() if node.op == "conv")
    fused = [fast.get_submodule(str(n.target)) for n in calls if n.op == "call_module"]
    assert sum(isinstance(m, FusedConv2d) for m in fused) == convs
    # ResNet-50's 16 residual adds and their ReLUs ride along with the last conv of each block
    assert not any("add" in str(n.target) or "relu" in str(n.target) for n in calls)
    assert sum(m.add for m in fused if isinstance(m, FusedConv2d)) == 16
    conv = fast.get_submodule("learner.group1.block1.conv1")
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)


def test_pre_activation_norms_fuse_with_their_relu() -> None:
    _needs_onednn()
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    fast = inference_module(graph, weights=_trained(graph).state_dict())
    norms = [m for m in fast.modules() if isinstance(m, FusedBatchNorm2d)]
    assert len(norms) == 16 and sum(m.relu for m in norms) == 13  # 3 jump norms feed a conv
    assert not any(n.target in (torch.relu, torch.relu_) for n in fast.graph.nodes)


def _conv_case(kernel: int, channels: int, size: int, stride: int, add: bool, relu: bool):
    conv = nn.Conv2d(channels, channels, kernel, stride, padding=kernel // 2).eval()
    conv.to(memory_format=torch.channels_last)
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    other = torch.randn_like(conv(x)) if add else None

    def reference(x: torch.Tensor, other: torch.Tensor | None) -> torch.Tensor:
        y = conv(x) if other is None else conv(x) + other
        return y.relu() if relu else y

    return FusedConv2d(conv, add=add, relu=relu), x, other, reference


@pytest.mark.parametrize("relu", [False, True], ids=["linear", "relu"])
@pytest.mark.parametrize("add", [False, True], ids=["alone", "add"])
@pytest.mark.parametrize(
    ("kernel", "channels", "size", "stride"),
    [(1, 16, 8, 1), (1, 16, 9, 2), (3, 8, 8, 1), (3, 8, 9, 2), (1, 256, 64, 1)],
    ids=["1x1-small", "1x1-stride2", "3x3", "3x3-stride2", "1x1-large"],
)
def test_a_fused_convolution_is_the_convolution(kernel, channels, size, stride, add, relu) -> None:
    _needs_onednn()
    fused, x, other, reference = _conv_case(kernel, channels, size, stride, add, relu)
    small = fused.macs_per_position * size * size // stride**2 <= SMALL_MATMUL_MACS
    assert bool(fused.macs_per_position) == (kernel == 1)
    assert small == (channels < 256)  # the large 1×1 runs in oneDNN, the small as a product
    with torch.no_grad():
        out = fused(x, other)
        assert _relative(out, reference(x, other)) <= TOLERANCE
        # a batch of 8 takes the other path for the small 1×1 layers: the same function
        batch = torch.cat([x] * 8).contiguous(memory_format=torch.channels_last)
        others = None if other is None else torch.cat([other] * 8)
        assert _relative(fused(batch, others), reference(batch, others)) <= TOLERANCE
    assert out.is_contiguous(memory_format=torch.channels_last)


def test_new_weights_reach_the_packed_copies() -> None:
    # The fused kernels keep derived copies (oneDNN's packed weight, a norm's scale and
    # shift): load_state_dict must reach them, and copies and pickles must work without them.
    _needs_onednn()
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    first, second = _trained(graph, seed=0), _trained(graph, seed=1)
    fast = inference_module(graph, weights=first.state_dict())
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert _relative(fast(x), first(x)) <= TOLERANCE
        copied = copy.deepcopy(fast)
        fast.load_state_dict(inference_module(graph, weights=second.state_dict()).state_dict())
        assert _relative(fast(x), second(x)) <= TOLERANCE
        assert _relative(copied(x), first(x)) <= TOLERANCE
        buffer = io.BytesIO()
        torch.save(fast, buffer)
        buffer.seek(0)
        assert _relative(torch.load(buffer, weights_only=False)(x), second(x)) <= TOLERANCE


def test_dense_then_bn_folds_and_a_shared_conv_does_not() -> None:
    text = (
        "network T { input [3, 8, 8]\n"
        "  stem { conv(4, 3x3) as c bn relu skip add from c }\n"
        "  task { gap dense(6) bn relu dropout(0.5) dense(2) } }"
    )
    graph = check_text(text).raise_for_errors()
    trained = _trained(graph)
    fast = inference_module(graph, weights=trained.state_dict(), portable=True)
    names = dict(fast.named_modules())
    assert "stem.bn1" in names  # stem.conv1 is read by the bn and by the skip: kept apart
    assert "task.bn1" not in names and "task.dropout1" not in names
    assert names["task.dense1"].bias is not None
    x = torch.randn(3, 3, 8, 8)
    with torch.no_grad():
        assert _relative(fast(x), trained(x)) <= TOLERANCE


def test_load_gives_the_inference_form() -> None:
    model = jumpdsl.load(ZOO_SPECS / "resnet.jnet", seed=0, inference=True, device="cpu", depth=18)
    assert not any(isinstance(m, NORMS) for m in model.modules())
    assert not model.training
    plain = jumpdsl.load(ZOO_SPECS / "resnet.jnet", seed=0, depth=18).eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert _relative(model(x), plain(x)) <= TOLERANCE


def _module_from_source(source: str, tmp_path):
    path = tmp_path / "exported.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Model


def test_python_export_of_the_inference_form(tmp_path) -> None:
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    fast = inference_module(graph, weights=_trained(graph).state_dict(), portable=True)
    source = export_bytes(graph, ".py", seed=0, inference=True).decode()
    assert "x.contiguous(memory_format = torch.channels_last)" in source
    model = _module_from_source(source, tmp_path)()
    model.load_state_dict(fast.state_dict())  # the same keys as the inference module
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert _relative(model(x), fast(x)) <= TOLERANCE
    # the 22 folded batch norms are gone from the source, the 16 after merges stay
    assert source.count("torch.nn.BatchNorm2d(") == 16


def test_pt2_export_of_the_inference_form_holds_folded_weights() -> None:
    graph = check_file(SPECS / "digits.jnet").raise_for_errors()
    program = torch.export.load(io.BytesIO(export_bytes(graph, ".pt2", seed=3, inference=True)))
    fast = inference_module(graph, seed=3, portable=True)
    x = torch.randn(2, *graph.input_shape)
    with torch.no_grad():
        assert _relative(program.module()(x), fast(x)) <= TOLERANCE
    norms = sum(1 for node in graph.nodes() if node.op == "bn")
    kept = sum(1 for n in program.graph.nodes if "batch_norm" in str(n.target))
    assert kept == norms - _foldable(graph) < norms


def test_export_cli_takes_inference(tmp_path, capsys) -> None:
    from jumpdsl.cli import main

    target = tmp_path / "digits.py"
    assert main(["export", str(SPECS / "digits.jnet"), "--inference", "-o", str(target)]) == 0
    assert "inference form" in target.read_text()


@pytest.mark.slow
def test_inductor_compiles_the_inference_form() -> None:
    # As tests/test_compile.py runs inductor: one C++ file, scalar kernels (the fastest to
    # build on 2 cores, and inductor's choice of vector ISA is cached per process).
    import torch._inductor.config as inductor

    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    fast = inference_module(graph, weights=_trained(graph).state_dict(), portable=True)
    x = torch.randn(2, 3, 32, 32)
    torch._dynamo.reset()
    with inductor.patch({"cpp_wrapper": True, "cpp.vec_isa_ok": False}), torch.no_grad():
        compiled = torch.compile(fast, fullgraph=True)
        assert _relative(compiled(x), fast(x)) <= TOLERANCE
    torch._dynamo.reset()
