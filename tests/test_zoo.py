"""The model zoo: every spec checks, compiles, runs and draws, and equals its reference to the
parameter: torchvision's models (tests/data/torchvision_reference.json, written by
scripts/torchvision_reference.py), the seed's JumpNet figures, and a pre-activation ResNet
written out in PyTorch here.

``pytest -s tests/test_zoo.py -k table`` prints the zoo table (params, MACs, lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

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

import jumpdsl
from conftest import ALL_SPECS, ROOT, ZOO_SPECS, spec_file
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.summary import summarize
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.backends.weights import in_forward_order
from jumpdsl.cli import build_parser, main
from jumpdsl.passes.shapes import Shapes
from jumpdsl.train.checkpoint import CheckpointError


def jumpnet_params(
    stem: tuple[int, int],
    groups: list[tuple[int, int]],
    classes: int,
    bias: bool = True,
    reduction: int = 1,
) -> int:
    """JumpNet's parameter count written out from the seed's description of its layers."""

    def conv(cin: int, cout: int, k: int) -> int:
        return cin * cout * k * k + (cout if bias else 0)

    total = conv(3, stem[0], 3) + 2 * stem[0] + conv(stem[0], stem[1], 3) + 2 * stem[1]
    channels = stem[1]
    for f, n in groups:
        w = f // reduction
        block = 2 * f + conv(f, w, 1) + 2 * w + conv(w, w, 3) + 2 * w + conv(w, f, 1)
        total += n * block + 2 * f + conv(f, f, 1)  # the blocks, then BN-ReLU-conv /2
        total += 2 * channels + conv(channels, f, 1)  # the jump: BN, conv /2
        channels = 2 * f
    return total + channels * classes + classes


JUMPNET_CIFAR = ((16, 32), [(32, 3), (64, 4), (128, 3)])
VIT_L = {"layers": 24, "heads": 16, "hidden": 1024, "mlp": 4096}
SWIN_S = {"depths": [2, 2, 18, 2], "sd": 0.3}
SWIN_B = {"depths": [2, 2, 18, 2], "dim": 128, "heads": [4, 8, 16, 32], "sd": 0.5}
SHUFFLE_X0_5 = {"stages": [(48, 4), (96, 8), (192, 4)]}
SHUFFLE_X1_5 = {"stages": [(176, 4), (352, 8), (704, 4)]}
SHUFFLE_X2_0 = {"stages": [(244, 4), (488, 8), (976, 4)], "last": 2048}

# Where torchvision's module order is not the order its forward uses the tensors: ViT's
# class_token is the model's own, so parameters() lists it first, but it is used after
# conv_proj; Swin's PatchMerging registers reduction before norm and applies norm first;
# ConvNeXt's CNBlock registers layer_scale before its layers and scales the MLP's output
# (block.5) with it. Ours follow the forward. A tensor (pattern) → the one it follows when used.
FORWARD_ORDER = {
    r"class_token": "conv_proj.bias",
    r"(.*)\.reduction\.weight": r"\1.norm.bias",
    r"(.*)\.layer_scale": r"\1.block.5.bias",
}


def forward_order(entry: dict[str, Any]) -> list[list[int]]:
    """A reference entry's parameter shapes in the order torchvision's forward uses them."""
    named = [tuple(item) for item in entry["shapes"]]
    for pattern, after in FORWARD_ORDER.items():
        for item in [item for item in named if re.fullmatch(pattern, item[0])]:
            named.remove(item)
            target = re.sub(pattern, after, item[0])
            named.insert([name for name, _ in named].index(target) + 1, item)
    return [list(shape) for _, shape in named]


def moves(entry: dict[str, Any]) -> bool:
    """Whether an entry has a tensor whose place FORWARD_ORDER changes."""
    names = [name for name, _ in entry["shapes"]]
    return any(re.fullmatch(pattern, name) for pattern in FORWARD_ORDER for name in names)


JUMPNET_50_STEM = (32, 64)


@dataclass(frozen=True)
class Model:
    spec: str
    params: int  # the reference's trainable parameters
    torchvision: str | None = None  # the reference model in the JSON
    overrides: dict[str, Any] = field(default_factory=dict)
    real_forward: bool = False  # run a real forward (else on the meta device: CPU time)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.torchvision or self.spec.removesuffix(".jnet")


# torchvision's efficientnet_b1 … b7 (width, depth, dropout; BN eps and momentum from B5) and
# convnext_small, _base, _large (stochastic depth, stages): their trainable parameters as
# torchvision 0.29.1 counts them with 1000 classes.
_B5_BN = {"bn_eps": 1e-3, "bn_momentum": 0.01}
EFFICIENTNETS = [
    ("b1", 7_794_184, {"width": 1.0, "depth": 1.1, "dropout": 0.2}),
    ("b2", 9_109_994, {"width": 1.1, "depth": 1.2, "dropout": 0.3}),
    ("b3", 12_233_232, {"width": 1.2, "depth": 1.4, "dropout": 0.3}),
    ("b4", 19_341_616, {"width": 1.4, "depth": 1.8, "dropout": 0.4}),
    ("b5", 30_389_784, {"width": 1.6, "depth": 2.2, "dropout": 0.4, **_B5_BN}),
    ("b6", 43_040_704, {"width": 1.8, "depth": 2.6, "dropout": 0.5, **_B5_BN}),
    ("b7", 66_347_960, {"width": 2.0, "depth": 3.1, "dropout": 0.5, **_B5_BN}),
]
CONVNEXTS = [
    ("small", 50_223_688, {"sd": 0.4, "stages": [(96, 3), (192, 3), (384, 27), (768, 3)]}),
    ("base", 88_591_464, {"sd": 0.5, "stages": [(128, 3), (256, 3), (512, 27), (1024, 3)]}),
    ("large", 197_767_336, {"sd": 0.5, "stages": [(192, 3), (384, 3), (768, 27), (1536, 3)]}),
]

ZOO = [
    Model("resnet.jnet", 11_689_512, "resnet18", {"depth": 18}, real_forward=True),
    Model("resnet.jnet", 21_797_672, "resnet34", {"depth": 34}),
    Model("resnet.jnet", 25_557_032, "resnet50", {"depth": 50}),
    Model("resnet.jnet", 44_549_160, "resnet101", {"depth": 101}),
    Model("resnet.jnet", 60_192_808, "resnet152", {"depth": 152}),
    Model("resnet.jnet", 25_028_904, "resnext50_32x4d", {"depth": 50, "groups": 32, "width": 4}),
    Model("resnet.jnet", 88_791_336, "resnext101_32x8d", {"depth": 101, "groups": 32, "width": 8}),
    Model("resnet.jnet", 83_455_272, "resnext101_64x4d", {"depth": 101, "groups": 64, "width": 4}),
    Model("resnet.jnet", 68_883_240, "wide_resnet50_2", {"depth": 50, "width": 128}),
    Model("resnet.jnet", 126_886_696, "wide_resnet101_2", {"depth": 101, "width": 128}),
    Model("densenet.jnet", 7_978_856, "densenet121"),
    Model("densenet.jnet", 28_681_000, "densenet161", {"k": 48, "blocks": [6, 12, 36, 24]}),
    Model("densenet.jnet", 14_149_480, "densenet169", {"blocks": [6, 12, 32, 32]}),
    Model("densenet.jnet", 20_013_928, "densenet201", {"blocks": [6, 12, 48, 32]}),
    Model("mobilenet_v2.jnet", 3_504_872, "mobilenet_v2", real_forward=True),
    Model("vgg.jnet", 132_863_336, "vgg11", {"depth": 11}),
    Model("vgg.jnet", 132_868_840, "vgg11_bn", {"depth": 11, "batch_norm": True}),
    Model("vgg.jnet", 133_047_848, "vgg13", {"depth": 13}),
    Model("vgg.jnet", 133_053_736, "vgg13_bn", {"depth": 13, "batch_norm": True}),
    Model("vgg.jnet", 138_357_544, "vgg16", {"depth": 16}),
    Model("vgg.jnet", 138_365_992, "vgg16_bn", {"depth": 16, "batch_norm": True}),
    Model("vgg.jnet", 143_667_240, "vgg19", {"depth": 19}),
    Model("vgg.jnet", 143_678_248, "vgg19_bn", {"depth": 19, "batch_norm": True}),
    Model("vit.jnet", 86_567_656, "vit_b_16"),
    Model("vit.jnet", 88_224_232, "vit_b_32", overrides={"patch": 32}),
    Model("vit.jnet", 304_326_632, "vit_l_16", overrides=VIT_L),
    Model("swin.jnet", 28_288_354, "swin_t"),
    Model("swin.jnet", 49_606_258, "swin_s", overrides=SWIN_S),
    Model("swin.jnet", 87_768_224, "swin_b", overrides=SWIN_B),
    Model("mobilenet_v3.jnet", 5_483_032, "mobilenet_v3_large", real_forward=True),
    Model("mobilenet_v3.jnet", 2_542_856, "mobilenet_v3_small", {"small": True}, real_forward=True),
    Model("mnasnet.jnet", 4_383_312, "mnasnet1_0", real_forward=True),
    Model("mnasnet.jnet", 2_218_512, "mnasnet0_5", {"alpha": 0.5}),
    Model("mnasnet.jnet", 3_170_208, "mnasnet0_75", {"alpha": 0.75}),
    Model("mnasnet.jnet", 6_282_256, "mnasnet1_3", {"alpha": 1.3}),
    Model("alexnet.jnet", 61_100_840, "alexnet"),
    Model("squeezenet.jnet", 1_248_424, "squeezenet1_0", real_forward=True),
    Model(
        "squeezenet.jnet",
        1_235_496,
        "squeezenet1_1",
        {"version": 1.1},
        real_forward=True,
    ),
    Model("shufflenet.jnet", 2_278_604, "shufflenet_v2_x1_0", real_forward=True),
    Model("shufflenet.jnet", 1_366_792, "shufflenet_v2_x0_5", SHUFFLE_X0_5),
    Model("shufflenet.jnet", 3_503_624, "shufflenet_v2_x1_5", SHUFFLE_X1_5),
    Model("shufflenet.jnet", 7_393_996, "shufflenet_v2_x2_0", SHUFFLE_X2_0),
    Model("regnet.jnet", 5_495_976, "regnet_x_400mf", real_forward=True),
    Model(
        "regnet.jnet",
        4_344_144,
        "regnet_y_400mf",
        {"depth": 16, "w_0": 48, "w_a": 27.89, "w_m": 2.09, "group_width": 8, "se_ratio": 0.25},
        real_forward=True,
    ),
    Model("efficientnet.jnet", 5_288_548, "efficientnet_b0", real_forward=True),
    *(
        Model("efficientnet.jnet", params, overrides=sets, label=f"efficientnet_{name}")
        for name, params, sets in EFFICIENTNETS
    ),
    Model("efficientnet_v2.jnet", 21_458_488, "efficientnet_v2_s"),
    Model("convnext.jnet", 28_589_128, "convnext_tiny"),
    *(
        Model("convnext.jnet", params, overrides=sets, label=f"convnext_{name}")
        for name, params, sets in CONVNEXTS
    ),
    Model("googlenet.jnet", 6_624_904, "googlenet"),
    Model("inception_v3.jnet", 23_834_568, "inception_v3"),
    # aux=true: torchvision's aux_logits=True (the JSON's params_with_aux)
    Model("googlenet.jnet", 13_004_888, overrides={"aux": True}, label="googlenet (aux)"),
    Model("inception_v3.jnet", 27_161_264, overrides={"aux": True}, label="inception_v3 (aux)"),
    Model("preact_resnet18_cifar.jnet", 11_172_170, real_forward=True),
    Model("jumpnet.jnet", 813_418, real_forward=True),
    Model(
        "jumpnet.jnet",
        jumpnet_params(*JUMPNET_CIFAR, 10, bias=False, reduction=2),
        overrides={"bias": False, "reduction": 2},
        real_forward=True,
        label="jumpnet (narrow)",
    ),
    Model("jumpnet50.jnet", 14_598_090),
    Model("jumpnet101.jnet", 26_892_490),
    Model("jumpnet152.jnet", 37_019_594),
    # the hand-written U-Net of tests/test_unet.py (no torchvision model): 3 channels, 2 classes
    Model("unet.jnet", 31_031_810),
    # torchvision.models.segmentation (21 classes, weights_backbone=None): the JSON's
    # "segmentation" entries; aux=true adds the aux head as a second output
    Model("fcn_resnet50.jnet", 32_957_013),
    Model("fcn_resnet50.jnet", 35_322_218, overrides={"aux": True}, label="fcn_resnet50 (aux)"),
    Model("deeplabv3_resnet50.jnet", 39_638_869),
    Model(
        "deeplabv3_resnet50.jnet",
        42_004_074,
        overrides={"aux": True},
        label="deeplabv3_resnet50 (aux)",
    ),
]
IDS = [m.name for m in ZOO]

# torchvision's published MACs measured at another input size than 224 (the spec's `size`).
PUBLISHED_AT = {"efficientnet_v2_s": 384}

# The published figures the issue names, in MACs at 224×224.
ISSUE_MACS = {"resnet50": 4.1e9, "resnet18": 1.8e9, "mobilenet_v2": 0.3e9}


def checked(model: Model) -> Any:
    return _checked(model.name)


@cache
def _checked(name: str) -> Any:
    # Checked once per model: the tests below only read the graph.
    model = ZOO[IDS.index(name)]
    result = check_file(spec_file(model.spec), model.overrides)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.graph


def test_every_spec_is_in_the_zoo() -> None:
    others = {"digits.jnet"}  # a training example, not a zoo model
    assert {m.spec for m in ZOO} == {p.name for p in ALL_SPECS} - others


FAMILIES = {  # specs with variants (regnet: x_400mf and y_400mf)
    *("resnet", "densenet", "vgg", "mobilenet_v3", "mnasnet", "vit", "swin"),
    *("efficientnet", "efficientnet_v2", "convnext", "regnet"),
}
ZOO_NAMED = [m for m in ZOO if m.spec.removesuffix(".jnet") in FAMILIES]


def test_every_variant_has_its_name() -> None:
    # jumpdsl.zoo_models() lists each torchvision name of a family spec, and the name means the
    # family's file with the variant's parameters: the figures above, by name
    assert {m.name for m in ZOO_NAMED} <= set(jumpdsl.zoo_models())
    assert not FAMILIES & set(jumpdsl.zoo_models())
    for model in ZOO_NAMED:
        assert summarize(jumpdsl.check(model.name).graph)["params"] == model.params, model.name


def test_a_variant_takes_further_parameters_over_its_own() -> None:
    assert summarize(jumpdsl.check("resnet50", depth=101).graph)["params"] == 44_549_160
    assert summarize(jumpdsl.check("vgg16_bn", classes=10).graph)["output_shape"] == [10]


def spec_line(diagnostic: Any) -> str:
    """The source line a diagnostic points at: what `jumpdsl check` shows under it."""
    span = diagnostic.span
    return Path(span.path).read_text(encoding="utf-8").splitlines()[span.line - 1]


@pytest.mark.parametrize(("spec", "values"), [("resnet", {"depth": 51}), ("vgg", {"depth": 12})])
def test_a_depth_that_is_no_variant_is_an_error(spec: str, values: dict[str, Any]) -> None:
    result = check_file(ZOO_SPECS / f"{spec}.jnet", values)
    assert not result.ok
    assert any("depth is not one of" in spec_line(d) for d in result.diagnostics)


def test_basic_blocks_take_no_groups() -> None:
    result = check_file(ZOO_SPECS / "resnet.jnet", {"depth": 18, "groups": 32, "width": 4})
    assert not result.ok
    assert any(
        "basic blocks (depth 18, 34) take no groups" in spec_line(d) for d in result.diagnostics
    )
    assert check_file(ZOO_SPECS / "resnet.jnet", {"depth": 18}).ok


def test_jumpnet_formula_reproduces_the_seed() -> None:
    # The formula is the reference for the narrow variant; it must give the seed's figures.
    assert jumpnet_params(*JUMPNET_CIFAR, 10) == 813_418
    assert jumpnet_params(*JUMPNET_CIFAR, 100) == 836_548
    assert jumpnet_params(JUMPNET_50_STEM, [(64, 3), (128, 4), (256, 6), (512, 3)], 10) == (
        14_598_090
    )


@pytest.mark.parametrize("model", ZOO, ids=IDS)
def test_parameter_count(model: Model) -> None:
    summary = summarize(checked(model))
    assert summary["params"] == model.params
    if model.torchvision:
        assert model.params == torchvision_reference()["models"][model.torchvision]["params"]


TORCHVISION = [m for m in ZOO if m.torchvision]


@pytest.mark.parametrize("model", TORCHVISION, ids=[m.name for m in TORCHVISION])
def test_parameter_shapes_map_one_to_one_onto_torchvision(model: Model) -> None:
    # Same shapes in the same order: torchvision's state_dict values load in sequence.
    ref = torchvision_reference()["models"][model.torchvision]
    module = compile_on_meta(checked(model))
    ours = forward_param_shapes(module)
    assert ours == [list(p.shape) for p in module.parameters()]  # module order = forward order
    assert ours == forward_order(ref)
    if not moves(ref):
        assert ours == reference_shapes(ref)
    # what load(weights=) does to a torchvision file: the same order
    shapes = dict((name, shape) for name, shape in ref["shapes"])
    assert [shapes[name] for name in in_forward_order(shapes)] == ours


# our zoo model → its entry in the JSON's "segmentation" section
SEGMENTATION = {
    "fcn_resnet50": "fcn_resnet50",
    "fcn_resnet50 (aux)": "fcn_resnet50_aux",
    "deeplabv3_resnet50": "deeplabv3_resnet50",
    "deeplabv3_resnet50 (aux)": "deeplabv3_resnet50_aux",
}


@pytest.mark.parametrize("name", SEGMENTATION)
def test_segmentation_parameters_map_one_to_one_onto_torchvision(name: str) -> None:
    """Trainable parameters and every shape in order (backbone, classifier, aux_classifier)
    as torchvision's segmentation models (values, layer by layer:
    scripts/torchvision_segmentation.py)."""
    ref = torchvision_reference()["segmentation"][SEGMENTATION[name]]
    model = ZOO[IDS.index(name)]
    assert model.params == ref["params"]
    module = compile_on_meta(checked(model))
    assert forward_param_shapes(module) == reference_shapes(ref)


@pytest.mark.parametrize("model", TORCHVISION, ids=[m.name for m in TORCHVISION])
def test_macs_match_torchvision_and_the_published_figures(model: Model) -> None:
    ref = torchvision_reference()["models"][model.torchvision]
    macs = summarize(checked(model))["macs"]
    assert macs == ref["macs"]  # conv and linear MACs, counted by hooks on torchvision's model
    size = PUBLISHED_AT.get(model.torchvision)
    if size is not None:  # torchvision's figure is at its own crop: the spec at that size
        graph = check_file(spec_file(model.spec), {**model.overrides, "size": size}).graph
        macs = summarize(graph)["macs"]
    # torchvision publishes GMACs to 3 decimals (shufflenet_v2_x0_5's 0.0405 is "0.04").
    published = ref["published_gmacs"]
    assert abs(macs / 1e9 - published) < max(0.01 * published, 0.0005 + 1e-9)
    if model.torchvision in ISSUE_MACS:
        assert abs(macs / ISSUE_MACS[model.torchvision] - 1) < 0.01


@pytest.mark.parametrize("model", ZOO, ids=IDS)
def test_forward_gives_batch_by_classes(model: Model) -> None:
    graph = checked(model)
    classes = graph.params["classes"]
    shape = graph.input_shape
    if model.real_forward:
        module = build_module(graph, seed=0).eval()
        with torch.no_grad():
            out = module(torch.randn(2, *shape))
        assert torch.isfinite(out).all()
    else:
        out = compile_on_meta(graph)(torch.empty(2, *shape, device="meta"))
    outputs = out if isinstance(out, dict) else {"out": out}  # aux heads: named outputs
    assert list(outputs) == list(graph.outputs())
    for out in outputs.values():
        per_pixel = tuple(out.shape[2:]) == tuple(shape[1:])  # segmentation: classes per pixel
        assert tuple(out.shape[:2]) == (2, classes) and (out.dim() == 2 or per_pixel)


# torchvision's initialisation loops (mobilenetv3.py, mnasnet.py): every conv fan-out
# Kaiming normal with zero biases, linear layers as below with zero biases, BN ones and zeros.
# Their BN's eps and momentum too.
TORCHVISION_INITS = {
    "mobilenet_v3_large": ("kaiming_normal(fan_out, relu)", "normal(0.01)", 1e-3, 0.01),
    "mobilenet_v3_small": ("kaiming_normal(fan_out, relu)", "normal(0.01)", 1e-3, 0.01),
    "mnasnet1_0": (
        "kaiming_normal(fan_out, relu)",
        "kaiming_uniform(fan_out, sigmoid)",
        1e-5,
        1 - 0.9997,
    ),
    # efficientnet.py: the head uniform in ±1/√(out features)
    "efficientnet_b0": ("kaiming_normal(fan_out, relu)", "uniform_fan(fan_out)", 1e-5, 0.1),
    "efficientnet_b7": ("kaiming_normal(fan_out, relu)", "uniform_fan(fan_out)", 1e-3, 0.01),
    "efficientnet_v2_s": ("kaiming_normal(fan_out, relu)", "uniform_fan(fan_out)", 1e-3, 0.1),
}


@pytest.mark.parametrize("name", TORCHVISION_INITS)
def test_initialisation_is_torchvisions_layer_by_layer(name: str) -> None:
    graph = _checked(name)
    conv_init, dense_init, eps, momentum = TORCHVISION_INITS[name]
    expected = {"conv": conv_init, "dense": dense_init}
    norms = [graph[n].attrs for n in graph if graph[n].op == "bn"]
    assert norms and all(a["eps"] == eps and a["momentum"] == momentum for a in norms)
    layers = [graph[n] for n in graph if graph[n].op in expected]
    assert {layer.op for layer in layers} == {"conv", "dense"}
    for layer in layers:
        assert str(layer.attrs["init"]) == expected[layer.op], layer.id
        assert str(layer.attrs["bias_init"]) == "auto", layer.id  # zeros, as the weight is set
    module = build_module(graph, seed=0)
    biases = [m.bias for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(not b.any() for b in biases if b is not None)


def test_squeezenet_initialises_as_torchvision() -> None:
    # squeezenet.py: every conv kaiming_uniform_ (a = 0: the ReLU gain), the final conv
    # normal(0, 0.01), every bias zero. AlexNet and ShuffleNet V2 keep PyTorch's own.
    for name in ("squeezenet1_0", "squeezenet1_1"):
        graph = _checked(name)
        convs = [graph[n] for n in graph if graph[n].op == "conv"]
        inits = [str(c.attrs["init"]) for c in convs]
        assert inits == ["kaiming_uniform(fan_in, relu)"] * (len(convs) - 1) + ["normal(0.01)"]
        module = build_module(graph, seed=0)
        layers = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
        assert all(not m.bias.any() for m in layers)
        final = layers[-1].weight.detach()
        assert abs(float(final.std()) - 0.01) < 0.001 and abs(float(final.mean())) < 0.001
        first = layers[0].weight.detach()  # uniform in ±√(6 / fan_in)
        bound = (6 / first[0].numel()) ** 0.5
        assert float(first.abs().max()) <= bound and float(first.abs().max()) > 0.95 * bound
    for name in ("alexnet", "shufflenet_v2_x1_0"):
        graph = _checked(name)
        assert all(str(graph[n].attrs.get("init", "torch")) == "torch" for n in graph)


@pytest.mark.parametrize("size", [63, 227, 256, 300])
def test_alexnet_takes_any_input_size(size: int) -> None:
    # The adaptive pool to 6×6 leaves the classifier (and the parameters) as at 224×224.
    text = spec_file("alexnet.jnet").read_text(encoding="utf-8")
    resized = text.replace("input [3, 224, 224]", f"input [3, {size}, {size}]")
    graph = check_text(resized).raise_for_errors()
    assert summarize(graph)["params"] == 61_100_840
    shapes = [graph.get(Shapes, n).shape for n in graph if graph[n].op == "adaptive_avgpool"]
    assert shapes == [(256, 6, 6)]


# torchvision 0.29.1's RegNets (models/regnet.py: depth, w_0, w_a, w_m, group width, SE ratio)
# and their trainable parameters at 1000 classes, counted on torchvision's models: the widths the
# spec computes from these settings must give each one exactly.
REGNETS = {
    "regnet_x_800mf": ((16, 56, 35.73, 2.28, 16, 0.0), 7_259_656),
    "regnet_x_1_6gf": ((18, 80, 34.01, 2.25, 24, 0.0), 9_190_136),
    "regnet_x_3_2gf": ((25, 88, 26.31, 2.25, 48, 0.0), 15_296_552),
    "regnet_x_8gf": ((23, 80, 49.56, 2.88, 120, 0.0), 39_572_648),
    "regnet_x_16gf": ((22, 216, 55.59, 2.1, 128, 0.0), 54_278_536),
    "regnet_x_32gf": ((23, 320, 69.86, 2.0, 168, 0.0), 107_811_560),
    "regnet_y_800mf": ((14, 56, 38.84, 2.4, 16, 0.25), 6_432_512),
    "regnet_y_1_6gf": ((27, 48, 20.71, 2.65, 24, 0.25), 11_202_430),
    "regnet_y_3_2gf": ((21, 80, 42.63, 2.66, 24, 0.25), 19_436_338),
    "regnet_y_8gf": ((17, 192, 76.82, 2.19, 56, 0.25), 39_381_472),
    "regnet_y_16gf": ((18, 200, 106.23, 2.48, 112, 0.25), 83_590_140),
    "regnet_y_32gf": ((20, 232, 115.89, 2.53, 232, 0.25), 145_046_770),
}


@pytest.mark.parametrize("name", REGNETS)
def test_regnet_variants_by_set_have_torchvisions_parameter_counts(name: str) -> None:
    (depth, w_0, w_a, w_m, group_width, se_ratio), params = REGNETS[name]
    values = dict(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m, group_width=group_width)
    result = check_file(spec_file("regnet.jnet"), {**values, "se_ratio": se_ratio})
    assert result.ok, [d.message for d in result.diagnostics]
    assert summarize(result.graph)["params"] == params


@pytest.mark.parametrize("name", ["regnet_x_400mf", "regnet_y_400mf"])
def test_regnet_initialisation_is_torchvisions(name: str) -> None:
    # regnet.py's loop: every conv normal(0, sqrt(2 / fan_out)) (fan-out Kaiming), BN ones and
    # zeros, the linear layer normal(0, 0.01) with a zero bias; the SE convs' biases untouched.
    graph = _checked(name)
    norms = [graph[n].attrs for n in graph if graph[n].op == "bn"]
    assert norms and all(a["eps"] == 1e-5 and a["momentum"] == 0.1 for a in norms)
    convs = [graph[n].attrs for n in graph if graph[n].op == "conv"]
    assert all(str(a["init"]) == "kaiming_normal(fan_out, relu)" for a in convs)
    (dense,) = [graph[n].attrs for n in graph if graph[n].op == "dense"]
    assert str(dense["init"]) == "normal(0.01)" and str(dense["bias_init"]) == "auto"
    module = build_module(graph, seed=0)
    biased = [m for m in module.modules() if isinstance(m, nn.Conv2d) and m.bias is not None]
    assert bool(biased) == ("y_400mf" in name)  # only Y has SE convs, with biases
    for conv in biased:  # PyTorch's own: uniform within 1 / sqrt(fan_in), not zeros
        bound = 1 / (conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]) ** 0.5
        assert conv.bias.abs().max() <= bound and conv.bias.any()
    (linear,) = [m for m in module.modules() if isinstance(m, nn.Linear)]
    assert not linear.bias.any() and abs(float(linear.weight.detach().std()) - 0.01) < 1e-3


def test_convnext_initialisation_is_torchvisions() -> None:
    # convnext.py: every conv and linear layer truncated normal (std 0.02) with zero biases;
    # the layer scales start at 1e-6; the layer norms at ones and zeros.
    graph = _checked("convnext_tiny")
    layers = [graph[n] for n in graph if graph[n].op in ("conv", "dense", "dense_map")]
    assert {layer.op for layer in layers} == {"conv", "dense", "dense_map"}
    assert all(str(layer.attrs["init"]) == "trunc_normal(0.02)" for layer in layers)
    norms = [graph[n].attrs for n in graph if graph[n].op == "layernorm"]
    assert len(norms) == 1 + 3 + 18 + 1 and all(a["eps"] == 1e-6 for a in norms)
    module = build_module(graph, seed=0)
    scales = [p for name, p in module.named_parameters() if name.endswith(".gamma")]
    assert len(scales) == 18 and all(torch.equal(g, torch.full_like(g, 1e-6)) for g in scales)
    biases = [m.bias for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(biases) == len(layers) and all(not b.any() for b in biases)
    weights = torch.cat([m.weight.flatten() for m in module.modules() if isinstance(m, nn.Linear)])
    assert abs(weights.std().item() - 0.02) < 0.002 and abs(weights.mean().item()) < 0.001


# torchvision's swin_t, swin_s, swin_b: (depths, stochastic_depth_prob) as its builders pass them.
SWIN_STOCHASTIC_DEPTH = {
    "swin_t": ([2, 2, 6, 2], 0.2),
    "swin_s": ([2, 2, 18, 2], 0.3),
    "swin_b": ([2, 2, 18, 2], 0.5),
}


@pytest.mark.parametrize("name", list(SWIN_STOCHASTIC_DEPTH))
def test_swin_stochastic_depth_is_torchvisions_schedule(name: str) -> None:
    # SwinTransformer.__init__: block k of N (counted over all stages from 0) gets
    # prob · k / (N − 1); its one StochasticDepth(p, "row") ends both residual branches.
    depths, prob = SWIN_STOCHASTIC_DEPTH[name]
    total = sum(depths)
    expected = [prob * float(k) / (total - 1) for k in range(total) for _branch in range(2)]
    graph = _checked(name)
    order = graph.order()
    adds = [n for n in order if graph[n].op == "add"]
    drops = [n for n in order if graph[n].op == "stochastic_depth"]
    assert len(adds) == len(drops) == 2 * total  # one per residual branch, none elsewhere
    for add in adds:  # each add: the shortcut, then the branch, which ends in stochastic depth
        shortcut, branch = graph.inputs(add)
        assert graph[branch].op == "stochastic_depth" and graph[shortcut].op != "stochastic_depth"
        assert graph.users(branch) == [add]
    assert [graph[n].attrs["p"] for n in drops] == pytest.approx(expected, rel=1e-12, abs=0)
    assert {graph[n].attrs["mode"] for n in drops} == {"row"}


def test_swin_stochastic_depth_changes_training_only() -> None:
    # the identity in evaluation: the same seed gives the same weights and equal logits with
    # and without it; in training, at rate 0.9, some blocks drop and the logits differ.
    small = {"depths": [2, 2], "heads": [2, 4], "dim": 16, "window": 2, "classes": 5}
    spec = spec_file("swin.jnet")
    nets = [
        build_module(check_file(spec, {**small, "sd": sd}).raise_for_errors(), seed=0)
        for sd in (0.0, 0.9)
    ]
    x = torch.randn(3, 3, 224, 224)
    with torch.no_grad():
        plain, dropping = (net.eval()(x) for net in nets)
        assert torch.equal(plain, dropping)
        torch.manual_seed(0)
        trained = nets[1].train()(x)
        torch.manual_seed(0)
        assert not torch.equal(nets[0].train()(x), trained)


# torchvision's init_weights (googlenet.py, inception.py): every conv and linear weight
# truncated normal in [−2, 2] (std 0.01; inception_v3 0.1, or a layer's own stddev), the linear
# biases PyTorch's own, BN ones and zeros with eps 0.001.
INCEPTION_INITS = {"googlenet": 0.01, "inception_v3": 0.1}


@pytest.mark.parametrize("name", INCEPTION_INITS)
def test_inception_initialisation_is_torchvisions_layer_by_layer(name: str) -> None:
    graph = _checked(name)
    std = INCEPTION_INITS[name]
    norms = [graph[n].attrs for n in graph if graph[n].op == "bn"]
    assert norms and all(a["eps"] == 1e-3 and a["momentum"] == 0.1 for a in norms)
    layers = [graph[n] for n in graph if graph[n].op in ("conv", "dense")]
    assert all(str(layer.attrs["init"]) == f"trunc_normal({std})" for layer in layers)
    (dense,) = [layer for layer in layers if layer.op == "dense"]
    assert str(dense.attrs["bias_init"]) == "torch"
    module = build_module(graph, seed=0)
    weights = [m.weight for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(weights) == len(layers)
    drawn = torch.cat([w.detach().flatten() for w in weights])
    assert drawn.abs().max() <= 2 and abs(float(drawn.std()) / std - 1) < 0.02
    (fc,) = [m for m in module.modules() if isinstance(m, nn.Linear)]
    bound = 1 / fc.in_features**0.5  # PyTorch's own: uniform in ±1/√fan_in
    assert fc.bias.abs().max() <= bound and fc.bias.abs().max() > bound / 2


# aux=true → torchvision's model with aux_logits=True: its outputs, and the entry of its
# state_dict after which the aux heads' entries stand
INCEPTION_AUX = {
    "googlenet (aux)": ("googlenet", ["out", "aux1", "aux2"], "inception5b."),
    "inception_v3 (aux)": ("inception_v3", ["out", "aux"], "Mixed_6e."),
}
# torchvision's aux heads, entry by entry (googlenet.InceptionAux on 512 and 528 channels,
# inception.InceptionAux on 768): conv, BN (weight, bias, running mean, var, count), dense(s)
_BN128 = [[128], [128], [128], [128], []]
GOOGLENET_AUX = [
    [[128, c, 1, 1], *_BN128, [1024, 2048], [1024], [1000, 1024], [1000]] for c in (512, 528)
]
INCEPTION_V3_AUX = [
    [[128, 768, 1, 1], *_BN128, [768, 128, 5, 5], *[[768]] * 4, [], [1000, 768], [1000]]
]


@pytest.mark.parametrize("name", INCEPTION_AUX)
def test_inception_aux_heads_are_torchvisions(name: str) -> None:
    reference, outputs, after = INCEPTION_AUX[name]
    ref = torchvision_reference()["models"][reference]
    model = ZOO[IDS.index(name)]
    graph = checked(model)
    assert model.params == ref["params_with_aux"] == summarize(graph)["params"]
    assert list(graph.outputs()) == outputs
    out = compile_on_meta(graph)(torch.empty(2, *graph.input_shape, device="meta"))
    assert list(out) == outputs and all(tuple(o.shape) == (2, 1000) for o in out.values())
    # the state_dict: torchvision's without aux, the heads' entries inserted after `after`'s
    shapes = [list(t.shape) for t in compile_on_meta(graph).state_dict().values()]
    plain = [list(t.shape) for t in compile_on_meta(_checked(reference)).state_dict().values()]
    heads = GOOGLENET_AUX if reference == "googlenet" else INCEPTION_V3_AUX
    # `ref["shapes"]` lists parameters only: the cut in the plain state_dict found by count
    before = 1 + max(i for i, (n, _) in enumerate(ref["shapes"]) if n.startswith(after))
    state_cut = _state_index_after_params(compile_on_meta(_checked(reference)), before)
    expected = plain[:state_cut] + [s for head in heads for s in head] + plain[state_cut:]
    assert shapes == expected
    # initialisation: googlenet's aux layers take its std 0.01; inception_v3's head its own
    inits = [
        str(graph[n].attrs["init"])
        for n in graph
        if "output" in n and graph[n].op in ("conv", "dense")
    ]
    if reference == "googlenet":
        assert inits == ["trunc_normal(0.01)"] * 6
    else:
        assert inits == ["trunc_normal(0.1)", "trunc_normal(0.01)", "trunc_normal(0.001)"]


def _state_index_after_params(module: nn.Module, count: int) -> int:
    """The index in ``module.state_dict()`` just after its first ``count`` parameters'
    entries and the buffers of the module holding the last of them (a BN's statistics)."""
    params = {name for name, _ in module.named_parameters()}
    seen = 0
    names = list(module.state_dict())
    for index, name in enumerate(names):
        seen += name in params
        if seen == count:
            owner = name.rsplit(".", 1)[0]
            while index + 1 < len(names) and names[index + 1].rsplit(".", 1)[0] == owner:
                index += 1
            return index + 1
    raise AssertionError(f"fewer than {count} parameters")


@pytest.mark.parametrize("model", ZOO, ids=IDS)
def test_classes_parameter(model: Model) -> None:
    result = check_file(spec_file(model.spec), {**model.overrides, "classes": 7})
    assert result.ok
    shape = summarize(result.graph)["output_shape"]
    # a class per image, or (segmentation) per pixel of the input
    assert shape[0] == 7 and shape[1:] in ([], list(result.graph.input_shape[1:]))


def _draw_args() -> list[str]:
    # `draw --depth N` collapses templates below depth N; older CLIs draw everything.
    return ["--depth", "1"] if "--depth" in build_parser().format_help() else []


@pytest.mark.parametrize("model", [m for m in ZOO if not m.overrides], ids=lambda m: m.name)
def test_draws(model: Model, tmp_path: Path) -> None:
    out = tmp_path / "figure.svg"
    assert main(["draw", str(spec_file(model.spec)), *_draw_args(), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))


# ---------------------------------------------------------------- pre-activation ResNet


class _PreActBlock(nn.Module):
    """He et al. 2016's v2 basic block, written out in PyTorch."""

    def __init__(self, cin: int, f: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, f, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(f)
        self.conv2 = nn.Conv2d(f, f, 3, 1, 1, bias=False)
        projection = stride != 1 or cin != f
        self.shortcut = nn.Conv2d(cin, f, 1, stride, bias=False) if projection else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(x))
        shortcut = x if self.shortcut is None else self.shortcut(out)
        out = self.conv2(F.relu(self.bn2(self.conv1(out))))
        return out + shortcut


class _PreActResNet18(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        blocks, cin = [], 64
        for f, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            blocks += [_PreActBlock(cin, f, stride), _PreActBlock(f, f, 1)]
            cin = f
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(512)
        self.linear = nn.Linear(512, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn(self.blocks(self.conv1(x))))
        return self.linear(out.mean((2, 3)))


def test_preact_resnet18_computes_what_pytorch_does() -> None:
    # Weights copied one to one in order give the same outputs: same layers, same order.
    ours = build_module(checked(ZOO[IDS.index("preact_resnet18_cifar")]), seed=0).eval()
    reference = _PreActResNet18().eval()
    assert [p.shape for p in ours.parameters()] == [p.shape for p in reference.parameters()]
    with torch.no_grad():
        for mine, theirs in zip(ours.parameters(), reference.parameters(), strict=True):
            theirs.copy_(mine)
        x = torch.randn(2, 3, 32, 32)
        assert torch.allclose(ours(x), reference(x), atol=1e-5)
    assert sum(p.numel() for p in reference.parameters()) == 11_172_170


# ---------------------------------------------------------------- a small ViT


class _EncoderBlock(nn.Module):
    """Dosovitskiy et al.'s encoder block (eq. 2–3), written out in PyTorch."""

    def __init__(self, c: int, heads: int, mlp: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(c, eps=1e-6)
        self.attention = nn.MultiheadAttention(c, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(c, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(c, mlp), nn.GELU(), nn.Linear(mlp, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ln_1(x)
        x = x + self.attention(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class _ViT(nn.Module):
    """A small vision transformer: patches, class token first, positions, blocks, the class
    token's head; its tensors in the order its forward uses them."""

    def __init__(self, patch: int, layers: int, heads: int, c: int, mlp: int, classes: int):
        super().__init__()
        self.conv_proj = nn.Conv2d(3, c, patch, patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, c))
        self.positions = nn.Parameter(torch.zeros(1, (32 // patch) ** 2 + 1, c))
        self.blocks = nn.Sequential(*[_EncoderBlock(c, heads, mlp) for _ in range(layers)])
        self.ln = nn.LayerNorm(c, eps=1e-6)
        self.head = nn.Linear(c, classes)

    def forward_parameters(self) -> list[nn.Parameter]:
        """Its parameters in the order forward() uses them (its own two come after conv_proj
        there, first in parameters())."""
        own = [self.class_token, self.positions]
        modules = [self.blocks, self.ln, self.head]
        return [*self.conv_proj.parameters(), *own, *(p for m in modules for p in m.parameters())]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.conv_proj(x).flatten(2).transpose(1, 2)
        first = self.class_token.expand(len(x), -1, -1)
        tokens = torch.cat([first, tokens], 1) + self.positions
        return self.head(self.ln(self.blocks(tokens))[:, 0])


def test_a_small_vit_computes_what_pytorch_does() -> None:
    settings = {"image": 32, "patch": 8, "layers": 2, "heads": 4, "hidden": 32, "mlp": 64}
    graph = check_file(spec_file("vit.jnet"), {**settings, "classes": 10}).raise_for_errors()
    ours = build_module(graph, seed=0).eval()
    reference = _ViT(8, 2, 4, 32, 64, 10).eval()
    in_order = reference.forward_parameters()
    assert len({id(p) for p in in_order}) == len(list(reference.parameters()))
    assert [p.shape for p in ours.parameters()] == [p.shape for p in in_order]
    with torch.no_grad():
        for mine, theirs in zip(ours.parameters(), in_order, strict=True):
            mine.normal_(0, 0.3)  # the head and the class token start at zero: draw them
            theirs.copy_(mine)
        x = torch.randn(2, 3, 32, 32)
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)
    assert summarize(graph)["params"] == sum(p.numel() for p in reference.parameters())


def test_vit_initialises_as_torchvision() -> None:
    # torchvision's VisionTransformer: class token and head zero, positions normal(0.02),
    # conv_proj trunc_normal(√(1/fan_in)) with a zero bias, MLP biases normal(1e-6).
    model = jumpdsl.load("vit", seed=0, layers=1)
    tensors = {name: p.detach() for name, p in model.named_parameters()}
    assert not tensors["stem.class_token1.token"].any()
    assert not tensors["task.dense1.weight"].any() and not tensors["task.dense1.bias"].any()
    assert abs(float(tensors["stem.position_embedding1.embedding"].std()) - 0.02) < 1e-3
    proj = tensors["stem.conv1.weight"]
    assert abs(float(proj.std()) - (1 / 768) ** 0.5) < 2e-3 and not tensors["stem.conv1.bias"].any()
    bias = tensors["learner.block1.dense1.bias"]
    assert 0 < float(bias.abs().max()) < 1e-5


# ---------------------------------------------------------------- the table


def spec_lines(spec: str) -> int:
    return len(spec_file(spec).read_text(encoding="utf-8").splitlines())


def zoo_table() -> list[str]:
    rows = ["| name | params | MACs | lines |", "|---|---:|---:|---:|"]
    for model in ZOO:
        summary = summarize(checked(model))
        rows.append(
            f"| `{model.name}` | {summary['params']:,} | {summary['macs'] / 1e9:.3f} G "
            f"| {spec_lines(model.spec)} |"
        )
    return rows


def test_zoo_table_and_docs(capsys: pytest.CaptureFixture[str]) -> None:
    rows = zoo_table()
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    # docs/zoo.md's table (scripts/zoo_table.py) shows the same params and MACs, in the row of
    # the same name (line counts may move with formatting)
    doc = (ROOT / "docs" / "zoo.md").read_text(encoding="utf-8")
    for row in rows[2:]:
        name, params, macs, _ = (cell.strip() for cell in row.strip("|").split("|"))
        assert any(
            line.startswith(f"| {name} |") and f"| {params} |" in line and f"| {macs} |" in line
            for line in doc.splitlines()
        ), f"docs/zoo.md lacks: {name} {params} {macs}"


# ---------------------------------------------------------------- by name, and weights


def torchvision_name(ours: str) -> str:
    """What torchvision's resnet18 calls one of our state_dict entries (its module order is
    ours, its names are not): stem.block1.conv1 → conv1, learner.group2.block1.skip1.bn1 →
    layer2.0.downsample.1, task.dense1 → fc."""
    parts = ours.split(".")
    if parts[0] == "stem":
        return ".".join(parts[2:])
    if parts[0] == "task":
        return "fc." + parts[-1]
    group, block = int(parts[1][5:]), int(parts[2][5:]) - 1
    rest = parts[3:]
    if rest[0] == "skip1":
        rest = ["downsample", "0" if rest[1].startswith("conv") else "1", *rest[2:]]
    return ".".join([f"layer{group}", str(block), *rest])


def _torchvision_like_file(tmp_path: Path, seed: int) -> tuple[Path, torch.nn.Module]:
    source = jumpdsl.load("resnet18", seed=seed).eval()
    with torch.no_grad():  # running statistics that are not the defaults, so they must load
        for name, buffer in source.named_buffers():
            if name.endswith("running_mean"):
                buffer.uniform_(-0.5, 0.5)
            elif name.endswith("running_var"):
                buffer.uniform_(0.5, 2.0)
    state = {torchvision_name(k): v for k, v in source.state_dict().items()}
    assert "layer2.0.downsample.1.running_var" in state and "fc.weight" in state
    path = tmp_path / "resnet18-torchvision.pth"
    torch.save(state, path)
    return path, source


def test_load_by_name_is_the_zoo_spec() -> None:
    by_name = jumpdsl.load("resnet18", seed=0)
    by_path = jumpdsl.load(ZOO_SPECS / "resnet.jnet", seed=0, depth=18)
    assert all(
        torch.equal(a, b) for a, b in zip(by_name.parameters(), by_path.parameters(), strict=True)
    )
    assert jumpdsl.check("resnet50").ok and "resnet50" in jumpdsl.zoo_models()


def test_load_weights_maps_a_torchvision_state_dict_in_order(tmp_path: Path) -> None:
    path, source = _torchvision_like_file(tmp_path, seed=0)
    loaded = jumpdsl.load("resnet18", seed=1, weights=path).eval()
    fresh = jumpdsl.load("resnet18", seed=1).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(loaded(x), source(x))
        assert not torch.allclose(fresh(x), source(x))  # the weights did come from the file
    inference = jumpdsl.load("resnet18", weights=path, inference=True, device="cpu")
    with torch.no_grad():
        assert torch.allclose(inference(x), source(x), atol=1e-4)


VIT_BLOCK = (
    "ln_1.weight",
    "ln_1.bias",
    "self_attention.in_proj_weight",
    "self_attention.in_proj_bias",
    "self_attention.out_proj.weight",
    "self_attention.out_proj.bias",
    "ln_2.weight",
    "ln_2.bias",
    "mlp.0.weight",
    "mlp.0.bias",
    "mlp.3.weight",
    "mlp.3.bias",
)


def torchvision_vit_names(layers: int) -> list[str]:
    """torchvision's VisionTransformer's state_dict names, in its order: class_token first."""
    names = ["class_token", "conv_proj.weight", "conv_proj.bias", "encoder.pos_embedding"]
    for i in range(layers):
        names += [f"encoder.layers.encoder_layer_{i}.{name}" for name in VIT_BLOCK]
    return [*names, "encoder.ln.weight", "encoder.ln.bias", "heads.head.weight", "heads.head.bias"]


def test_load_weights_takes_a_torchvision_vit_file(tmp_path: Path) -> None:
    # The names, as torchvision's vit_b_16 lists them (the reference data): class_token first.
    reference = torchvision_reference()["models"]["vit_b_16"]["shapes"]
    assert torchvision_vit_names(12) == [name for name, _ in reference]
    small = {"image": 32, "patch": 8, "layers": 2, "heads": 4, "hidden": 32, "mlp": 64}
    source = jumpdsl.load("vit", seed=0, **small).eval()
    with torch.no_grad():
        for tensor in source.parameters():
            tensor.normal_(0, 0.3)  # nothing left at zero (the head, the class token)
    ours = list(source.state_dict().values())  # conv_proj's two, then the class token
    in_their_order = [ours[2], ours[0], ours[1], *ours[3:]]
    state = dict(zip(torchvision_vit_names(2), in_their_order, strict=True))
    torch.save(state, tmp_path / "vit-torchvision.pth")
    loaded = jumpdsl.load("vit", seed=1, weights=tmp_path / "vit-torchvision.pth", **small).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded(x), source(x))


def torchvision_convnext_names(blocks: list[int]) -> list[str]:
    """torchvision's ConvNeXt state_dict names, in its order: each CNBlock's layer_scale first."""
    names = ["features.0.0.weight", "features.0.0.bias", "features.0.1.weight", "features.0.1.bias"]
    block = [f"block.{i}.{t}" for i in (0, 2, 3, 5) for t in ("weight", "bias")]
    for stage, n in enumerate(blocks):
        if stage:  # the downsampling between stages: LayerNorm2d, conv 2×2/2
            names += [f"features.{2 * stage}.{i}.{t}" for i in (0, 1) for t in ("weight", "bias")]
        for b in range(n):
            prefix = f"features.{2 * stage + 1}.{b}."
            names += [prefix + "layer_scale", *(prefix + name for name in block)]
    head = ["classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "classifier.2.bias"]
    return names + head


def test_load_weights_takes_a_torchvision_convnext_file(tmp_path: Path) -> None:
    names = torchvision_convnext_names([3, 3, 9, 3])
    assert names == [
        name for name, _ in torchvision_reference()["models"]["convnext_tiny"]["shapes"]
    ]
    small = {"stages": [(8, 1), (16, 2)], "classes": 5}
    source = jumpdsl.load("convnext", seed=0, **small).eval()
    with torch.no_grad():
        for tensor in source.parameters():
            tensor.normal_(0, 0.3)  # the layer scales too, which start at 1e-6
    ours = list(source.state_dict().values())
    # torchvision's order: in each block (9 tensors, ours with the scale last) the scale first
    in_their_order = ours[:4]
    rest = ours[4:]
    for stage, n in enumerate([1, 2]):
        if stage:
            in_their_order += rest[:4]
            rest = rest[4:]
        for _ in range(n):
            in_their_order += [rest[8], *rest[:8]]
            rest = rest[9:]
    in_their_order += rest
    state = dict(zip(torchvision_convnext_names([1, 2]), in_their_order, strict=True))
    torch.save(state, tmp_path / "convnext-torchvision.pth")
    loaded = jumpdsl.load(
        "convnext", seed=1, weights=tmp_path / "convnext-torchvision.pth", **small
    )
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(loaded.eval()(x), source(x))


def test_load_weights_names_the_first_entry_that_does_not_fit(tmp_path: Path) -> None:
    path, _ = _torchvision_like_file(tmp_path, seed=0)
    with pytest.raises(CheckpointError, match=r"entry 121 'fc.weight' is 1000×512.*10×512"):
        jumpdsl.load("resnet18", weights=path, classes=10)
    # resnet34's first stage has a third block where resnet18's second stage begins
    with pytest.raises(CheckpointError, match=r"'layer2.0.conv1.weight' is 128×64×3×3"):
        jumpdsl.load("resnet34", weights=path)
    state = torch.load(path, weights_only=True)
    state.pop("fc.bias")
    torch.save(state, tmp_path / "short.pth")
    with pytest.raises(CheckpointError, match="121 entries, but this network has 122"):
        jumpdsl.load("resnet18", weights=tmp_path / "short.pth")


def test_load_weights_reads_no_code_and_says_what_the_file_is(tmp_path: Path) -> None:
    import datetime

    # an object weights_only=True will not build: loading runs none of the file's code
    torch.save({"layer": datetime.date(2020, 1, 1)}, tmp_path / "pickled.pth")
    with pytest.raises(CheckpointError, match="not a state_dict file"):
        jumpdsl.load("resnet18", weights=tmp_path / "pickled.pth")
    torch.save({"epochs": 3}, tmp_path / "numbers.pth")
    with pytest.raises(CheckpointError, match="not a state_dict"):
        jumpdsl.load("resnet18", weights=tmp_path / "numbers.pth")
    with pytest.raises(CheckpointError, match="no such file"):
        jumpdsl.load("resnet18", weights=tmp_path / "missing.pth")
    (tmp_path / "text.pth").write_text("hello")
    with pytest.raises(CheckpointError, match="not a state_dict file"):
        jumpdsl.load("resnet18", weights=tmp_path / "text.pth")


def test_docs_show_the_resnet_family_spec_as_it_stands() -> None:
    doc = (ROOT / "docs" / "zoo.md").read_text(encoding="utf-8")
    spec = (ZOO_SPECS / "resnet.jnet").read_text(encoding="utf-8")
    assert f"```jnet\n{spec}```" in doc
