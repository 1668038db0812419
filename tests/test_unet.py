"""Tensors across templates, names made in loops and gates, held against plain torch: the
zoo's U-Net (std/unet.jnet) against a hand-written one, layer by layer, at several depths."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from jumpdsl.api import check_file, check_text
from jumpdsl.backends.summary import summarize
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.zoo import spec_path

LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d)


def _double(cin: int, f: int, norm: bool) -> list[nn.Module]:
    if norm:
        return [
            nn.Conv2d(cin, f, 3, padding=1, bias=False),
            nn.BatchNorm2d(f),
            nn.ReLU(),
            nn.Conv2d(f, f, 3, padding=1, bias=False),
            nn.BatchNorm2d(f),
            nn.ReLU(),
        ]
    return [nn.Conv2d(cin, f, 3, padding=1), nn.ReLU(), nn.Conv2d(f, f, 3, padding=1), nn.ReLU()]


class UNet(nn.Module):
    """Ronneberger et al.'s U-Net, padded, written out by hand (the layers in the order the
    paper's figure reads: contracting path, then expanding path)."""

    def __init__(self, depth: int, width: int, classes: int, norm: bool, channels: int = 3):
        super().__init__()
        widths = [width * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList([nn.Sequential(*_double(channels, width, norm))])
        for i in range(1, depth + 1):
            layers = [nn.MaxPool2d(2), *_double(widths[i - 1], widths[i], norm)]
            self.down.append(nn.Sequential(*layers))
        self.up = nn.ModuleList()  # each step: the transposed conv, then its DoubleConv
        for i in range(depth - 1, -1, -1):
            upsample = nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2)
            after = nn.Sequential(*_double(2 * widths[i], widths[i], norm))
            self.up.append(nn.ModuleList([upsample, after]))
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = []
        for step in self.down:
            x = step(x)
            features.append(x)
        for (upsample, after), across in zip(self.up, reversed(features[:-1]), strict=True):
            x = after(torch.cat([across, upsample(x)], dim=1))
        return self.head(x)


def _outputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    seen: list[torch.Tensor] = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: seen.append(o.clone()))  # ReLU in place
        for m in model.modules()
        if isinstance(m, LAYERS)
    ]
    with torch.no_grad():
        seen.append(model(x))
    for hook in hooks:
        hook.remove()
    return seen


@pytest.mark.parametrize(
    ("depth", "width", "norm"), [(1, 4, False), (2, 4, True), (3, 8, False), (4, 4, True)]
)
def test_unet_is_the_hand_written_one_layer_by_layer(depth, width, norm) -> None:
    overrides = {"depth": depth, "width": width, "norm": norm, "size": 32, "classes": 3}
    graph = check_file(spec_path("unet"), overrides).raise_for_errors()
    ours = build_module(graph, seed=0).eval()
    theirs = UNet(depth, width, 3, norm).eval()
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        pairs = zip(ours.state_dict().values(), theirs.state_dict().items(), strict=True)
        for mine, (key, reference) in pairs:
            assert mine.shape == reference.shape
            if reference.is_floating_point():  # BN statistics too, so a misplaced BN shows
                shift = 0.5 if key.endswith("running_var") else -0.4
                reference.copy_(torch.rand(reference.shape, generator=generator) + shift)
            mine.copy_(reference)
    x = torch.randn(2, 3, 32, 32, generator=generator)
    layers = list(zip(_outputs(ours, x), _outputs(theirs, x), strict=True))
    assert len(layers) == sum(isinstance(m, LAYERS) for m in theirs.modules()) + 1
    for a, b in layers:
        assert a.shape == b.shape
        assert float((a - b).abs().max() / b.abs().max()) <= 1e-5


def test_unet_depth_four_has_the_papers_widths() -> None:
    graph = check_file(spec_path("unet")).raise_for_errors()
    theirs = UNet(4, 64, 2, False)
    assert summarize(graph)["params"] == sum(p.numel() for p in theirs.parameters())
    convs = [node for node in graph.nodes() if node.op == "conv"]
    assert max(node.attrs["filters"] for node in convs) == 1024


def test_a_gate_applies_its_path_to_the_current_tensor() -> None:
    gated = "stem { conv(8, 3x3) gate mul { gap(keepdims=true) conv(8, 1x1) sigmoid } }"
    named = "stem { conv(8, 3x3) as x skip mul from x { gap(keepdims=true) conv(8, 1x1) sigmoid } }"
    modules = []
    for body in (gated, named):
        text = f"network T {{ input [3, 8, 8] {body} }}"
        modules.append(build_module(check_text(text).raise_for_errors(), seed=0).eval())
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        a, b = modules[0](x), modules[1](x)
        conv = modules[0].get_submodule("stem.conv1")
        gate = modules[0].get_submodule("stem.gate1.conv1")
        y = conv(x)
        reference = y * torch.sigmoid(gate(y.mean((2, 3), keepdim=True)))
    assert torch.equal(a, b)
    assert float((a - reference).abs().max()) <= 1e-6


def test_names_made_in_a_loop_are_distinct_tensors() -> None:
    text = """
    network T(n: int = 3) {
        input [4, 8, 8]
        stem {
            for i in range(n) { conv(4, 3x3) as level[i] }
            for i in range(n) { skip add from level[n - 1 - i] }
        }
    }
    """
    graph = check_text(text).raise_for_errors()
    assert [t.name for t in graph.tensors] == ["level[0]", "level[1]", "level[2]"]
    module = build_module(graph, seed=0).eval()
    convs = [module.get_submodule(f"stem.conv{i}") for i in (1, 2, 3)]
    x = torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        levels = [convs[0](x)]
        levels += [convs[1](levels[0])]
        levels += [convs[2](levels[1])]
        y = levels[2]
        for level in reversed(levels):
            y = level + y
        assert float((module(x) - y).abs().max()) <= 1e-5
