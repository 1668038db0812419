"""The standard library's templates: parameter shapes and counts against torchvision's own blocks
(tests/data/torchvision_reference.json) or against formulas written out here, and output shapes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from reference import (
    compile_on_meta,
    forward_param_shapes,
    reference_shapes,
    torchvision_reference,
)
from torch import nn

from jumpdsl.api import STDLIB, check_text
from jumpdsl.backends.summary import summarize
from jumpdsl.backends.torch_fx import build_module
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
    ("mobilenet_v3_se", "se", "SqueezeExcitation(squeeze=24, scale_act=hardsigmoid)"),
    ("mobilenet_v3_no_expansion", "mobilenet", "InvertedResidualV3(3, 16, 16, false, relu)"),
    ("mobilenet_v3_se_down", "mobilenet", "InvertedResidualV3(5, 72, 40, true, relu, 2)"),
    (
        "mobilenet_v3_hardswish_skip",
        "mobilenet",
        "InvertedResidualV3(3, 200, 80, false, hardswish)",
    ),
    ("mobilenet_v3_small_se_down", "mobilenet", "InvertedResidualV3(3, 16, 16, true, relu, 2)"),
    ("mnasnet_stack", "mobilenet", "InvertedResidualStack(40, 3, 2, 3, 5, relu)"),
    ("mbconv_t1", "efficientnet", "MBConv(16, 3, 1, 1)"),
    ("mbconv_down", "efficientnet", "MBConv(24, 3, 2, 6)"),
    ("mbconv_skip", "efficientnet", "MBConv(40, 5, 1, 6, 0.0125)"),
    ("fused_mbconv_skip", "efficientnet", "FusedMBConv(24, 3, 1, 1, 0.005)"),
    ("fused_mbconv_down", "efficientnet", "FusedMBConv(48, 3, 2, 4)"),
    ("googlenet_inception", "inception", "Inception(64, 96, 128, 16, 32, 32)"),
    ("googlenet_inception_4e", "inception", "Inception(256, 160, 320, 32, 128, 128)"),
    ("inception_a", "inception", "InceptionA(32)"),
    ("inception_b", "inception", "InceptionB"),
    ("inception_c", "inception", "InceptionC(128)"),
    ("inception_d", "inception", "InceptionD"),
    ("inception_e", "inception", "InceptionE"),
    ("inception_aux", "inception", "InceptionAux(1000)"),
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


def copied_into(graph, reference: nn.Module) -> nn.Module:
    """The spec's module with the reference's parameters and buffers copied in, in order."""
    ours = build_module(graph, seed=0).eval()
    with torch.no_grad():
        for mine, theirs in zip(ours.parameters(), reference.parameters(), strict=True):
            mine.copy_(theirs)
        for mine, theirs in zip(ours.buffers(), reference.buffers(), strict=True):
            mine.copy_(theirs)
    return ours


class PlainSqueezeExcitation(nn.Module):
    """torchvision's SqueezeExcitation written out: pool, 1×1 conv, act, 1×1 conv, gate."""

    def __init__(self, channels: int, squeeze: int, act: nn.Module, gate: nn.Module) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(channels, squeeze, 1), nn.Conv2d(squeeze, channels, 1)
        self.act, self.gate = act, gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True)))))
        return scale * x


SQUEEZE_EXCITATIONS = [
    # call, channels, squeeze width, activation, gate: SE-ResNet, MobileNetV3, EfficientNet
    ("SqueezeExcitation(1 / 16)", 64, 4, nn.ReLU(), nn.Sigmoid()),
    ("SqueezeExcitation", 40, 10, nn.ReLU(), nn.Sigmoid()),
    ("SqueezeExcitation(squeeze=24, scale_act=hardsigmoid)", 72, 24, nn.ReLU(), nn.Hardsigmoid()),
    ("SqueezeExcitation(squeeze=4, act=silu)", 96, 4, nn.SiLU(), nn.Sigmoid()),
    ("SqueezeExcitation(0.01)", 16, 1, nn.ReLU(), nn.Sigmoid()),  # at least one channel
]


@pytest.mark.parametrize(
    ("call", "channels", "squeeze", "act", "gate"), SQUEEZE_EXCITATIONS, ids=lambda v: str(v)
)
def test_squeeze_excitation_computes_torchvisions(
    call: str, channels: int, squeeze: int, act: nn.Module, gate: nn.Module
) -> None:
    graph = checked("se", call, [channels, 7, 7])
    assert summarize(graph)["params"] == 2 * channels * squeeze + squeeze + channels
    torch.manual_seed(0)
    reference = PlainSqueezeExcitation(channels, squeeze, act, gate).eval()
    ours = copied_into(graph, reference)
    x = torch.randn(2, channels, 7, 7) * 3
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-6, atol=1e-6)


def test_dense_se_takes_its_activations_as_words() -> None:
    graph = checked("se", "SE(4, act=silu, scale_act=hardsigmoid)", [32, 5, 5])
    torch.manual_seed(0)
    fc1, fc2 = nn.Linear(32, 8), nn.Linear(8, 32)
    reference = nn.Sequential(fc1, fc2)  # the tensors, in order
    ours = copied_into(graph, reference)
    x = torch.randn(2, 32, 5, 5)
    with torch.no_grad():
        gate = F.hardsigmoid(fc2(F.silu(fc1(x.mean((2, 3))))))
        torch.testing.assert_close(ours(x), x * gate[:, :, None, None], rtol=1e-6, atol=1e-6)


def make_divisible(value: float, divisor: int = 8) -> int:
    """The TensorFlow MobileNet rounding torchvision uses (_make_divisible), written out."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@pytest.mark.parametrize("expanded", [16, 72, 88, 96, 120, 144, 240, 288, 480, 576, 672, 960])
def test_mobilenet_v3_block_squeezes_to_make_divisible(expanded: int) -> None:
    graph = checked(
        "mobilenet", f"InvertedResidualV3(5, {expanded}, 24, true, hardswish)", [24, 14, 14]
    )
    (fc1,) = [n for n in graph if n.endswith("block1.skip1.conv1")]
    assert graph[fc1].attrs["filters"] == make_divisible(expanded // 4)


V3_BLOCKS = [
    # kernel, expanded, out, SE, activation, stride, dilation; input channels
    ((5, 120, 40, True, "hardswish", 1, 1), 40),  # SE, the identity shortcut
    ((3, 64, 24, False, "relu", 2, 1), 16),  # expansion, stride 2
    ((3, 16, 16, False, "relu", 1, 1), 16),  # no expansion
    ((5, 672, 160, True, "hardswish", 2, 2), 112),  # dilated: stride 1
]


@pytest.mark.parametrize(("config", "cin"), V3_BLOCKS, ids=lambda v: str(v))
def test_mobilenet_v3_block_computes_what_its_plain_torch_form_does(
    config: tuple[int, int, int, bool, str, int, int], cin: int
) -> None:
    k, e, c, se, act_name, stride, dilation = config
    act = nn.Hardswish() if act_name == "hardswish" else nn.ReLU()
    layers: list[nn.Module] = []
    if e != cin:
        layers += [nn.Conv2d(cin, e, 1, bias=False), nn.BatchNorm2d(e, eps=1e-3), act]
    step, pad = (1 if dilation > 1 else stride), (k - 1) // 2 * dilation
    layers += [nn.Conv2d(e, e, k, step, pad, dilation, groups=e, bias=False)]
    layers += [nn.BatchNorm2d(e, eps=1e-3), act]
    if se:
        squeeze = make_divisible(e // 4)
        layers.append(PlainSqueezeExcitation(e, squeeze, nn.ReLU(), nn.Hardsigmoid()))
    layers += [nn.Conv2d(e, c, 1, bias=False), nn.BatchNorm2d(c, eps=1e-3)]
    torch.manual_seed(0)
    reference = nn.Sequential(*layers).eval()
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, nn.BatchNorm2d):  # statistics and scales that matter
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
    call = f"InvertedResidualV3({k}, {e}, {c}, {str(se).lower()}, {act_name}, {stride}, {dilation})"
    text = block_net("mobilenet", call, [cin, 14, 14]).replace(
        "    learner", "    defaults { bn.eps = 1e-3 }\n    learner"
    )
    graph = check_text(text).raise_for_errors()
    ours = copied_into(graph, reference)
    residual = stride == 1 and cin == c
    x = torch.randn(2, cin, 14, 14)
    with torch.no_grad():
        expected = reference(x) + (x if residual else 0)
        torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)
    assert any(graph[n].op == "add" for n in graph) == residual


def test_depthwise_separable() -> None:
    graph = checked("mobilenet", "DepthwiseSeparable(16)", [32, 112, 112])
    assert summarize(graph)["params"] == conv(32, 32, 3, 32) + bn(32) + conv(32, 16, 1) + bn(16)
    assert summarize(graph)["output_shape"] == [16, 112, 112]
    assert [graph[n].op for n in graph][-5:] == ["conv", "bn", "relu", "conv", "bn"]


class PlainBasicConv(nn.Sequential):
    """torchvision's BasicConv2d written out: conv without bias, BN (eps 0.001), ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int | tuple[int, int] = 1, **conv) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, kernel, bias=False, **conv),
            nn.BatchNorm2d(cout, eps=0.001),
            nn.ReLU(),
        )


class PlainBranches(nn.Module):
    """Paths from one input, joined on channels."""

    def __init__(self, *paths: nn.Module) -> None:
        super().__init__()
        self.paths = nn.ModuleList(paths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([path(x) for path in self.paths], 1)


def plain_googlenet_inception(cin: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool: int):
    # torchvision's googlenet.Inception: its "5×5" branch is a 3×3 conv.
    return PlainBranches(
        PlainBasicConv(cin, c1),
        nn.Sequential(PlainBasicConv(cin, c3r), PlainBasicConv(c3r, c3, 3, padding=1)),
        nn.Sequential(PlainBasicConv(cin, c5r), PlainBasicConv(c5r, c5, 3, padding=1)),
        nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), PlainBasicConv(cin, pool)),
    )


def plain_inception_e(cin: int):
    def split(c: int) -> nn.Module:
        return PlainBranches(
            PlainBasicConv(c, 384, (1, 3), padding=(0, 1)),
            PlainBasicConv(c, 384, (3, 1), padding=(1, 0)),
        )

    return PlainBranches(
        PlainBasicConv(cin, 320),
        nn.Sequential(PlainBasicConv(cin, 384), split(384)),
        nn.Sequential(PlainBasicConv(cin, 448), PlainBasicConv(448, 384, 3, padding=1), split(384)),
        nn.Sequential(nn.AvgPool2d(3, 1, 1), PlainBasicConv(cin, 192)),
    )


def plain_inception_b(cin: int):
    return PlainBranches(
        PlainBasicConv(cin, 384, 3, stride=2),
        nn.Sequential(
            PlainBasicConv(cin, 64),
            PlainBasicConv(64, 96, 3, padding=1),
            PlainBasicConv(96, 96, 3, stride=2),
        ),
        nn.MaxPool2d(3, 2),
    )


INCEPTIONS = [
    (
        "Inception(64, 96, 128, 16, 32, 32)",
        plain_googlenet_inception(192, 64, 96, 128, 16, 32, 32),
        [192, 13, 13],
    ),
    ("InceptionB", plain_inception_b(288), [288, 17, 17]),
    ("InceptionE", plain_inception_e(1280), [1280, 8, 8]),
]


@pytest.mark.parametrize(("call", "reference", "shape"), INCEPTIONS, ids=[i[0] for i in INCEPTIONS])
def test_inception_blocks_compute_what_their_plain_torch_forms_do(
    call: str, reference: nn.Module, shape: list[int]
) -> None:
    torch.manual_seed(0)
    reference.eval()
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, nn.BatchNorm2d):  # statistics and scales that matter
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    ours = copied_into(checked("inception", call, shape), reference)
    x = torch.randn(2, *shape)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)


def test_inception_aux_keeps_torchvisions_own_stddevs_under_a_network_default() -> None:
    # torchvision draws the head's 5×5 conv with std 0.01 and its dense with 0.001, whatever the
    # network's other layers use; the dense's bias stays PyTorch's own.
    text = block_net("inception", "InceptionAux(10)", [768, 17, 17]).replace(
        "    learner", "    defaults { conv.init = trunc_normal(0.1) }\n    learner"
    )
    graph = check_text(text).raise_for_errors()
    inits = [(graph[n].op, str(graph[n].attrs["init"])) for n in graph if "init" in graph[n].attrs]
    assert inits == [
        ("conv", "trunc_normal(0.1)"),
        ("conv", "trunc_normal(0.01)"),
        ("dense", "trunc_normal(0.001)"),
    ]
    (dense,) = [graph[n] for n in graph if graph[n].op == "dense"]
    assert str(dense.attrs["bias_init"]) == "torch"
    assert summarize(graph)["output_shape"] == [10]


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
        "convnext.jnet",
        "densenet.jnet",
        "efficientnet.jnet",
        "inception.jnet",
        "jumpnet.jnet",
        "math.jnet",
        "mobilenet.jnet",
        "regnet.jnet",
        "resnet.jnet",
        "se.jnet",
        "swin.jnet",
        "unet.jnet",
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


def test_unet_blocks_against_torch() -> None:
    # DoubleConv and UNetDown halve nothing but the size; UNetUp doubles it and joins `across`
    # first. (Whole networks, layer by layer: tests/test_unet.py.)
    text = """
    use "std/unet.jnet"
    network T(norm: bool = false) {
        input [3, 16, 16]
        stem { DoubleConv(8, norm) as top }
        learner { UNetDown(16, norm) UNetUp(8, top, norm) }
    }
    """
    convs = [(3, 8), (8, 8), (8, 16), (16, 16), (8 + 8, 8), (8, 8)]  # 3×3, in → out
    weights = sum(i * o * 9 for i, o in convs) + 16 * 8 * 2 * 2  # and the transposed 2×2
    outs = sum(o for _, o in convs)
    for norm, extra in ((False, outs + 8), (True, 8 + 2 * outs)):  # biases, or BN's 2 per channel
        graph = check_text(text, params={"norm": norm}).raise_for_errors()
        assert summarize(graph)["params"] == weights + extra
        assert summarize(graph)["output_shape"] == [8, 16, 16]


# ---------------------------------------------------------------- EfficientNet and ConvNeXt


def _randomised_norms(reference: nn.Module) -> nn.Module:
    """BN statistics and scales that matter (1 and 0 would hide a missing or swapped norm)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
            if isinstance(module, (nn.BatchNorm2d, nn.LayerNorm)):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    return reference.eval()


def conv_bn(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [
        nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]


MBCONVS = [
    # call, input channels, the plain-torch layers (torchvision's MBConv written out)
    ("MBConv(16, 3, 1, 1)", 32, "mb", (1, 3, 1, 16)),  # no expansion (B0's first block)
    ("MBConv(24, 3, 2, 6)", 16, "mb", (6, 3, 2, 24)),  # expansion, stride 2
    ("MBConv(40, 5, 1, 6, 0.1)", 40, "mb", (6, 5, 1, 40)),  # the identity shortcut
    ("FusedMBConv(24, 3, 1, 1)", 24, "fused", (1, 3, 1, 24)),  # one conv, shortcut
    ("FusedMBConv(48, 3, 2, 4)", 24, "fused", (4, 3, 2, 48)),  # expansion, stride 2
]


def plain_mbconv(kind: str, cin: int, t: int, k: int, stride: int, c: int) -> nn.Module:
    hidden = make_divisible(cin * t)
    layers: list[nn.Module] = []
    if kind == "fused" and hidden != cin:
        layers += [*conv_bn(cin, hidden, k, stride), nn.SiLU(), *conv_bn(hidden, c, 1)]
    elif kind == "fused":
        layers += [*conv_bn(cin, c, k, stride), nn.SiLU()]
    else:
        if hidden != cin:
            layers += [*conv_bn(cin, hidden, 1), nn.SiLU()]
        layers += [*conv_bn(hidden, hidden, k, stride, hidden), nn.SiLU()]
        layers.append(PlainSqueezeExcitation(hidden, max(1, cin // 4), nn.SiLU(), nn.Sigmoid()))
        layers += conv_bn(hidden, c, 1)
    return nn.Sequential(*layers)


@pytest.mark.parametrize(("call", "cin", "kind", "config"), MBCONVS, ids=[m[0] for m in MBCONVS])
def test_mbconv_computes_torchvisions_block(
    call: str, cin: int, kind: str, config: tuple[int, int, int, int]
) -> None:
    t, k, stride, c = config
    reference = _randomised_norms(plain_mbconv(kind, cin, t, k, stride, c))
    graph = checked("efficientnet", call, [cin, 14, 14])
    ours = copied_into(graph, reference)
    residual = stride == 1 and cin == c
    x = torch.randn(2, cin, 14, 14)
    with torch.no_grad():
        expected = reference(x) + (x if residual else 0)
        torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)
    ops = [graph[n].op for n in graph]
    assert ("add" in ops) == residual and ("stochastic_depth" in ops) == residual
    if residual:  # stochastic depth is the branch's last op, just before the add
        assert ops[-2:] == ["stochastic_depth", "add"]


def test_mbconv_stage_raises_stochastic_depth_linearly() -> None:
    # torchvision: block i of N drops with sd · i / N; the stage's first block is number 5 of 16.
    graph = checked("efficientnet", "MBConvStage(MBConv, 6, 3, 2, 24, 3, 0.2, 5, 16)", [16, 8, 8])
    probabilities = [graph[n].attrs["p"] for n in graph if graph[n].op == "stochastic_depth"]
    assert probabilities == [0.2 * 6 / 16, 0.2 * 7 / 16]  # the first block strides: no shortcut
    strides = [graph[n].attrs["stride"] for n in graph if graph[n].op == "conv"]
    assert strides.count((2, 2)) == 1


class PlainCNBlock(nn.Module):
    """torchvision's CNBlock written out: depthwise 7×7, then channels-last LayerNorm, Linear,
    GELU, Linear, the layer scale, added to the input (eval: no stochastic depth)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        self.layer_scale = nn.Parameter(torch.rand(dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.dwconv(x).permute(0, 2, 3, 1))
        y = self.fc2(F.gelu(self.fc1(y))).permute(0, 3, 1, 2)
        return x + self.layer_scale * y


def test_convnext_block_computes_torchvisions() -> None:
    reference = _randomised_norms(PlainCNBlock(16))
    graph = checked("convnext", "ConvNeXtBlock(0.1)", [16, 9, 9])
    ours = build_module(graph, seed=0).eval()
    # torchvision's CNBlock keeps its layer scale before its layers; in forward order, the
    # shapes are torchvision's one to one: Linear's 4d×d weights, the d×1×1 layer scale
    layers = [reference.dwconv, reference.norm, reference.fc1, reference.fc2]
    theirs = [p for layer in layers for p in layer.parameters()] + [reference.layer_scale]
    with torch.no_grad():
        for mine, their in zip(ours.parameters(), theirs, strict=True):
            assert mine.shape == their.shape
            mine.copy_(their)
    x = torch.randn(2, 16, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)
    ops = [graph[n].op for n in graph]
    assert ops[-3:] == ["layerscale", "stochastic_depth", "add"]


def test_convnext_block_has_torchvisions_tensors() -> None:
    # torchvision's CNBlock lists its layer scale first; ours is where forward uses it, last.
    ref = torchvision_reference()["blocks"]["convnext_block"]
    graph = checked("convnext", "ConvNeXtBlock", ref["input"])
    assert summarize(graph)["params"] == ref["params"]
    assert summarize(graph)["output_shape"] == ref["output"]
    shapes = reference_shapes(ref)
    assert ref["shapes"][0][0] == "layer_scale"
    ours = [list(p.shape) for p in compile_on_meta(graph).parameters()]
    assert ours == shapes[1:] + shapes[:1]


def test_convnext_layer_scale_starts_at_one_millionth() -> None:
    graph = checked("convnext", "ConvNeXtBlock", [8, 5, 5])
    module = build_module(graph, seed=0)
    (gamma,) = [p for name, p in module.named_parameters() if name.endswith("gamma")]
    assert torch.equal(gamma, torch.full((8, 1, 1), 1e-6))


def test_layernorm_on_maps_is_convnexts_layernorm2d() -> None:
    # torchvision's LayerNorm2d: permute to channels-last, F.layer_norm over C, permute back.
    graph = check_text(
        "network T {\n    input [6, 5, 4]\n    stem { layernorm(eps=1e-6) }\n}\n"
    ).raise_for_errors()
    module = build_module(graph, seed=0)
    weight, bias = torch.rand(6) + 0.5, torch.rand(6) - 0.5
    with torch.no_grad():
        module.get_parameter("stem.layernorm1.weight").copy_(weight)
        module.get_parameter("stem.layernorm1.bias").copy_(bias)
    x = torch.randn(3, 6, 5, 4) * 2 + 1
    expected = F.layer_norm(x.permute(0, 2, 3, 1), (6,), weight, bias, 1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(module(x), expected, rtol=1e-6, atol=1e-6)


def test_convnext_stage_and_downsample() -> None:
    graph = checked("convnext", "ConvNeXtStage(3, 0.5, 2, 5) ConvNeXtDownsample(32)", [16, 8, 8])
    probabilities = [graph[n].attrs["p"] for n in graph if graph[n].op == "stochastic_depth"]
    assert probabilities == [0.5 * 2 / 4, 0.5 * 3 / 4, 0.5 * 4 / 4]  # sd · i / (N − 1)
    assert summarize(graph)["output_shape"] == [32, 4, 4]
    block = 16 * 49 + 16 + 2 * 16 + 16 * 64 + 64 + 64 * 16 + 16 + 16
    assert summarize(graph)["params"] == 3 * block + 2 * 16 + 16 * 32 * 4 + 32


# ---------------------------------------------------------------- RegNet (std/regnet.jnet)


class PlainRegNetBlock(nn.Module):
    """torchvision's ResBottleneckBlock (models/regnet.py) written out: `proj` first, then the
    transform a (1×1), b (grouped 3×3), SE, c (1×1); add, ReLU."""

    def __init__(self, cin: int, width: int, stride: int, gw: int, b: float, se: float) -> None:
        super().__init__()
        w_b = round(width * b)
        projection = stride != 1 or cin != width
        self.proj = (
            nn.Sequential(nn.Conv2d(cin, width, 1, stride, bias=False), nn.BatchNorm2d(width))
            if projection
            else None
        )
        self.a = nn.Sequential(nn.Conv2d(cin, w_b, 1, bias=False), nn.BatchNorm2d(w_b), nn.ReLU())
        self.b = nn.Sequential(
            nn.Conv2d(w_b, w_b, 3, stride, 1, groups=w_b // gw, bias=False),
            nn.BatchNorm2d(w_b),
            nn.ReLU(),
        )
        squeeze = round(se * cin)
        self.se = PlainSqueezeExcitation(w_b, squeeze, nn.ReLU(), nn.Sigmoid()) if se else None
        self.c = nn.Sequential(nn.Conv2d(w_b, width, 1, bias=False), nn.BatchNorm2d(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.b(self.a(x))
        f = self.c(self.se(f) if self.se is not None else f)
        return torch.relu((self.proj(x) if self.proj is not None else x) + f)


REGNET_BLOCKS = [
    # cin, width, stride, group width, bottleneck, SE ratio: X and Y blocks, first and later
    (32, 32, 2, 16, 1.0, 0.0),  # regnet_x_400mf's first block: same width, stride 2
    (64, 64, 1, 16, 1.0, 0.0),  # identity shortcut
    (48, 104, 2, 8, 1.0, 0.25),  # regnet_y_400mf's second stage: SE to round(0.25 · 48) = 12
    (104, 104, 1, 8, 1.0, 0.25),
    (24, 48, 1, 12, 2.0, 0.0),  # a bottleneck ratio other than 1: w_b = 96
]


@pytest.mark.parametrize(("cin", "width", "stride", "gw", "b", "se"), REGNET_BLOCKS, ids=str)
def test_regnet_block_computes_torchvisions(
    cin: int, width: int, stride: int, gw: int, b: float, se: float
) -> None:
    call = f"ResBottleneckBlock({width}, {stride}, {gw}, {b}, {se})"
    graph = checked("regnet", call, [cin, 12, 12])
    torch.manual_seed(0)
    reference = PlainRegNetBlock(cin, width, stride, gw, b, se).eval()
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
    assert summarize(graph)["params"] == sum(p.numel() for p in reference.parameters())
    ours = copied_into(graph, reference)
    x = torch.randn(2, cin, 12, 12)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)


def test_regnet_bottleneck_transform_ends_without_relu() -> None:
    graph = checked("regnet", "BottleneckTransform(64, 2, 16)", [32, 28, 28])
    expected = conv(32, 64, 1) + bn(64) + conv(64, 64, 3, groups=4) + bn(64) + conv(64, 64, 1)
    assert summarize(graph)["params"] == expected + bn(64)
    assert summarize(graph)["output_shape"] == [64, 14, 14]
    assert [graph[n].op for n in graph][-2:] == ["conv", "bn"]  # the block adds, then ReLU


def test_regnet_stem() -> None:
    graph = checked("regnet", "RegNetStem", [3, 224, 224])
    assert summarize(graph)["params"] == conv(3, 32, 3) + bn(32)
    assert summarize(graph)["output_shape"] == [32, 112, 112]
    assert [graph[n].op for n in graph][1:] == ["conv", "bn", "relu"]


# ---------------------------------------------------------------- std/math.jnet


def python_make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision's _make_divisible (models/_utils.py), written out."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


MAKE_DIVISIBLE_CASES = [
    (v, d, m)
    for v in [1, 3, 7.5, 8, 11.9, 12, 15, 16.0, 20, 27.2, 37, 44.9, 60, 83, 100.5, 1000, 12345]
    for d in [1, 3, 8, 16, 32]
    for m in [None, 1, 24]
]


def test_make_divisible_is_torchvisions() -> None:
    # Every case in one network: one check, the values read back from its parameters.
    calls = [
        f"make_divisible({v}, {d})" if m is None else f"make_divisible({v}, {d}, {m})"
        for v, d, m in MAKE_DIVISIBLE_CASES
    ]
    text = (
        'use "std/math.jnet"\n'
        f"network T(got = [{', '.join(calls)}]) {{ input [3] task {{ dense(2) }} }}\n"
    )
    result = check_text(text)
    assert result.ok, [d.message for d in result.diagnostics]
    expected = [python_make_divisible(v, d, m) for v, d, m in MAKE_DIVISIBLE_CASES]
    assert result.graph.params["got"] == expected
    # the "not more than 10% down" rule is exercised: 11.9 rounds to 8, then goes up to 16
    assert python_make_divisible(11.9, 8) == 16 and (11.9, 8, None) in MAKE_DIVISIBLE_CASES
