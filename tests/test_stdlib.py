"""The standard library's templates: parameter shapes and counts against torchvision's own blocks
(tests/data/torchvision_reference.json) or against formulas written out here, and output shapes."""

from __future__ import annotations

import pytest
import torch
from reference import (
    compile_on_meta,
    forward_param_shapes,
    reference_shapes,
    torchvision_reference,
)

from jumpdsl.api import STDLIB, check_text
from jumpdsl.backends.summary import summarize
from jumpdsl.passes.shapes import Shapes


def block_net(library: str, call: str, shape: list[int]) -> str:
    """A network holding one template instance on an input of ``shape``."""
    return (
        f'use "std/{library}.jnet"\nnetwork T {{\n    input {shape}\n    learner {{ {call} }}\n}}\n'
    )


def checked(library: str, call: str, shape: list[int]):
    result = check_text(block_net(library, call, shape))
    assert result.ok, [d.message for d in result.diagnostics]
    return result.graph


def conv(cin: int, cout: int, k: int, groups: int = 1) -> int:
    return cout * (cin // groups) * k * k  # no bias: a BN follows every conv of the stdlib


def bn(c: int) -> int:
    return 2 * c


# ---------------------------------------------------------------- against torchvision's blocks

BLOCKS = [
    # reference entry, library, call as a spec writes it
    ("resnet_basic", "resnet", "BasicBlock(64)"),
    ("resnet_basic_down", "resnet", "BasicBlock(128, 2)"),
    ("resnet_bottleneck_first", "resnet", "Bottleneck(64)"),
    ("resnet_bottleneck", "resnet", "Bottleneck(64)"),
    ("resnet_bottleneck_down", "resnet", "Bottleneck(128, 2)"),
    ("resnext_bottleneck_down", "resnet", "Bottleneck(256, 2, groups=32, width=4)"),
    ("wide_bottleneck_down", "resnet", "Bottleneck(512, 2, width=128)"),
    ("dense_block", "densenet", "DenseBlock(6, 32)"),
    ("dense_transition", "densenet", "Transition"),
    ("inverted_residual_t1", "mobilenet", "InvertedResidual(16, 1, 1)"),
    ("inverted_residual_down", "mobilenet", "InvertedResidual(24, 2)"),
    ("inverted_residual_skip", "mobilenet", "InvertedResidual(24)"),
    ("vit_encoder_block", "vit", "EncoderBlock(12, 3072)"),  # values: test_zoo's small ViT
]


@pytest.mark.parametrize(("entry", "library", "call"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_block_equals_torchvision(entry: str, library: str, call: str) -> None:
    ref = torchvision_reference()["blocks"][entry]
    graph = checked(library, call, ref["input"])
    summary = summarize(graph)
    assert summary["params"] == ref["params"]
    assert summary["output_shape"] == ref["output"]
    module = compile_on_meta(graph)
    assert forward_param_shapes(module) == reference_shapes(ref)
    out = module(torch.empty(2, *ref["input"], device="meta"))
    assert list(out.shape) == [2, *ref["output"]]


def test_dense_layer_equals_torchvision_and_joins_its_input_first() -> None:
    # torchvision's _DenseLayer returns only its k new channels and its block concatenates them;
    # ours carries the concatenation itself (skip concat), input channels first.
    ref = torchvision_reference()["blocks"]["dense_layer"]
    graph = checked("densenet", "DenseLayer(32)", ref["input"])
    assert forward_param_shapes(compile_on_meta(graph)) == reference_shapes(ref)
    assert summarize(graph)["params"] == ref["params"]
    (concat,) = [n for n in graph if graph[n].op == "concat"]
    assert list(graph.get(Shapes, concat).in_shapes) == [tuple(ref["input"]), tuple(ref["output"])]


# ---------------------------------------------------------------- against formulas


@pytest.mark.parametrize(
    ("cin", "f", "stride", "projection"),
    [(64, 64, 1, False), (64, 128, 2, True), (32, 64, 1, True)],
)
def test_preact_block(cin: int, f: int, stride: int, projection: bool) -> None:
    graph = checked("resnet", f"PreActBlock({f}, {stride})", [cin, 16, 16])
    expected = bn(cin) + conv(cin, f, 3) + bn(f) + conv(f, f, 3)
    expected += conv(cin, f, 1) if projection else 0
    assert summarize(graph)["params"] == expected
    assert summarize(graph)["output_shape"] == [f, 16 // stride, 16 // stride]
    # v2: nothing after the add; a projection starts from the pre-activated input (BN-ReLU),
    # an identity shortcut from the raw input
    assert graph.output == "learner.block1.add1"
    shortcut = "learner.block1.skip1.conv1" if projection else "learner.block1.add1"
    assert ("learner.block1.relu1" in graph.inputs(shortcut)) == projection
    assert ("input" in graph.inputs(shortcut)) == (not projection)


@pytest.mark.parametrize(("cin", "f", "stride"), [(256, 64, 1), (256, 128, 2), (64, 64, 1)])
def test_preact_bottleneck(cin: int, f: int, stride: int) -> None:
    graph = checked("resnet", f"PreActBottleneck({f}, {stride})", [cin, 16, 16])
    expected = bn(cin) + conv(cin, f, 1) + bn(f) + conv(f, f, 3) + bn(f) + conv(f, 4 * f, 1)
    expected += conv(cin, 4 * f, 1) if (stride != 1 or cin != 4 * f) else 0
    assert summarize(graph)["params"] == expected
    assert summarize(graph)["output_shape"] == [4 * f, 16 // stride, 16 // stride]


def test_resnet_stage_strides_only_its_first_block() -> None:
    graph = checked("resnet", "ResNetStage(BasicBlock, 128, 3, 2)", [64, 56, 56])
    first = torchvision_reference()["blocks"]["resnet_basic_down"]["params"]
    same = 2 * (conv(128, 128, 3) + bn(128))
    assert summarize(graph)["params"] == first + 2 * same
    strides = [
        graph[n].attrs["stride"]
        for n in graph
        if n.endswith(".conv1") and ".skip" not in n and graph[n].op == "conv"
    ]
    assert strides == [(2, 2), (1, 1), (1, 1)]
    assert "learner.group1.block3.add1" in graph and "learner.group1.block4.add1" not in graph


def test_resnet_stem() -> None:
    graph = checked("resnet", "ResNetStem", [3, 224, 224])
    assert summarize(graph)["params"] == conv(3, 64, 7) + bn(64)
    assert summarize(graph)["output_shape"] == [64, 56, 56]


@pytest.mark.parametrize(("channels", "r"), [(64, 16), (96, 4)])
def test_squeeze_excitation(channels: int, r: int) -> None:
    graph = checked("se", f"SE({r})", [channels, 14, 14])
    squeezed = channels // r
    # two dense layers with biases: C → C/r → C
    dense_layers = (channels * squeezed + squeezed) + (squeezed * channels + channels)
    assert summarize(graph)["params"] == dense_layers
    assert summarize(graph)["output_shape"] == [channels, 14, 14]
    (mul,) = [n for n in graph if graph[n].op == "mul"]
    assert list(graph.get(Shapes, mul).in_shapes) == [(channels,), (channels, 14, 14)]


def test_inception_module_3a() -> None:
    # GoogLeNet's inception (3a): 192 → 64 + 128 + 32 + 32 = 256 channels at 28×28.
    graph = checked("inception", "Inception(64, 96, 128, 16, 32, 32)", [192, 28, 28])
    expected = (
        conv(192, 64, 1)
        + bn(64)
        + conv(192, 96, 1)
        + bn(96)
        + conv(96, 128, 3)
        + bn(128)
        + conv(192, 16, 1)
        + bn(16)
        + conv(16, 32, 5)
        + bn(32)
        + conv(192, 32, 1)
        + bn(32)
    )
    assert summarize(graph)["params"] == expected
    assert summarize(graph)["output_shape"] == [256, 28, 28]


def test_dense_layer_and_transition_formulas() -> None:
    graph = checked("densenet", "DenseLayer(12, 4) Transition(0.25)", [40, 32, 32])
    layer = bn(40) + conv(40, 48, 1) + bn(48) + conv(48, 12, 3)
    transition = bn(52) + conv(52, 13, 1)
    assert summarize(graph)["params"] == layer + transition
    assert summarize(graph)["output_shape"] == [13, 16, 16]


def swin_block(c: int, heads: int, window: int = 7) -> int:
    """torchvision's SwinTransformerBlock: norm1, attention (bias table, qkv, proj), norm2, MLP."""
    attention = (2 * window - 1) ** 2 * heads + 3 * c * c + 3 * c + c * c + c
    return 2 * c + attention + 2 * c + (c * 4 * c + 4 * c) + (4 * c * c + c)


def test_swin_block_and_patch_merging_formulas() -> None:
    graph = checked("swin", "SwinBlock(3, 3)", [3136, 96])
    assert summarize(graph)["params"] == swin_block(96, 3)
    assert summarize(graph)["output_shape"] == [3136, 96]
    graph = checked("swin", "PatchMerging", [3136, 96])
    assert summarize(graph)["params"] == 2 * 384 + 384 * 192  # norm(4C), reduction without bias
    assert summarize(graph)["output_shape"] == [784, 192]


def test_swin_stage_shifts_every_other_block_by_half_a_window() -> None:
    graph = checked("swin", "SwinStage(6, 4)", [784, 192])
    shifts = [graph[n].attrs["shift"] for n in graph if graph[n].op == "window_attention"]
    assert shifts == [0, 3, 0, 3]
    assert summarize(graph)["params"] == 4 * swin_block(192, 6)


def test_every_stdlib_file_checks_and_every_template_is_tested() -> None:
    files = sorted(p.name for p in STDLIB.glob("*.jnet"))
    assert files == [
        "densenet.jnet",
        "inception.jnet",
        "jumpnet.jnet",
        "mobilenet.jnet",
        "resnet.jnet",
        "se.jnet",
        "swin.jnet",
        "vit.jnet",
    ]
    source = open(__file__, encoding="utf-8").read()
    for path in STDLIB.glob("*.jnet"):
        result = check_text(path.read_text(encoding="utf-8"), path=str(path))
        assert not [d for d in result.diagnostics if d.severity.value == "error"]
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("block ", "group ")) and path.name != "jumpnet.jnet":
                name = line.split()[1].split("(")[0]
                assert name in source, f"{path.name}: {name} has no test here"
