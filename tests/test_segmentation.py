"""The segmentation pieces (std/segmentation.jnet, the dilated Bottleneck, the final resize)
against plain torch, values compared: what fcn_resnet50 and deeplabv3_resnet50 are built of."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from jumpdsl.api import check_text
from jumpdsl.backends.torch_fx import build_module

SEG = 'use "std/segmentation.jnet"\nuse "std/resnet.jnet"\n'


def _module(body: str, shape: str, **params):
    text = SEG + f"network T {{\n input {shape}\n learner {{ {body} }}\n}}\n"
    graph = check_text(text, params=params).raise_for_errors()
    return _randomised(build_module(graph, seed=0))


def _randomised(module: nn.Module) -> nn.Module:
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if name.endswith("running_mean") or name.endswith("bn1.bias"):
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.1)
            elif name.endswith("running_var"):
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
    return module.eval()


def _load_in_order(source: nn.Module, target: nn.Module) -> nn.Module:
    ours = [v for k, v in source.state_dict().items() if "num_batches" not in k]
    keys = [k for k in target.state_dict() if "num_batches" not in k]
    target.load_state_dict(dict(zip(keys, ours, strict=True)), strict=False)
    return target.eval()


def test_upsample_by_8_is_interpolation_to_the_input_size() -> None:
    module = _module("upsample(8, mode=bilinear)", "[3, 9, 11]")
    x = torch.randn(2, 3, 9, 11)
    want = F.interpolate(x, size=(72, 88), mode="bilinear", align_corners=False)
    torch.testing.assert_close(module(x), want, rtol=0, atol=0)
    spread = _module("gap(keepdims=true) upsample(9, mode=bilinear)", "[3, 9, 9]")
    pooled = x[:, :, :, :9].mean((2, 3), keepdim=True)
    want = F.interpolate(pooled, size=(9, 9), mode="bilinear", align_corners=False)
    torch.testing.assert_close(spread(x[:, :, :, :9]), want)


class _ASPP(nn.Module):
    """DeepLabV3's ASPP written out (Chen et al. 2017): five branches, concat, project."""

    def __init__(self, cin: int, rates: list[int], f: int) -> None:
        super().__init__()

        def cbr(k: int, d: int) -> nn.Sequential:
            conv = nn.Conv2d(cin, f, k, padding=d if k == 3 else 0, dilation=d, bias=False)
            return nn.Sequential(conv, nn.BatchNorm2d(f), nn.ReLU())

        self.arms = nn.ModuleList([cbr(1, 1), *(cbr(3, r) for r in rates)])
        self.pool = nn.Sequential(nn.Conv2d(cin, f, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU())
        self.project = nn.Sequential(
            nn.Conv2d(5 * f, f, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU(), nn.Dropout(0.5)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.pool(x.mean((2, 3), keepdim=True))
        spread = F.interpolate(pooled, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return self.project(torch.cat([*(arm(x) for arm in self.arms), spread], 1))


def test_aspp_computes_what_pytorch_does() -> None:
    module = _module("ASPP([1, 2, 3], 7, f=4)", "[6, 7, 7]")
    reference = _load_in_order(module, _ASPP(6, [1, 2, 3], 4))
    x = torch.randn(2, 6, 7, 7)
    torch.testing.assert_close(module(x), reference(x), rtol=1e-5, atol=1e-6)


class _DilatedBottleneck(nn.Module):
    """torchvision's Bottleneck at a dilation, stride 1, projection when the channels change."""

    def __init__(self, cin: int, f: int, dilation: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, f, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU(),
            nn.Conv2d(f, f, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(f), nn.ReLU(),
            nn.Conv2d(f, 4 * f, 1, bias=False), nn.BatchNorm2d(4 * f),
        )  # fmt: skip
        self.down = (
            nn.Sequential(nn.Conv2d(cin, 4 * f, 1, bias=False), nn.BatchNorm2d(4 * f))
            if cin != 4 * f
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.down is None else self.down(x)
        return F.relu(self.body(x) + shortcut)


def test_dilated_stage_computes_what_pytorch_does() -> None:
    module = _module("DilatedStage(4, 2, 2, 4)", "[8, 9, 9]")
    reference = _load_in_order(
        module, nn.Sequential(_DilatedBottleneck(8, 4, 2), _DilatedBottleneck(16, 4, 4))
    )
    x = torch.randn(2, 8, 9, 9)
    torch.testing.assert_close(module(x), reference(x), rtol=1e-5, atol=1e-6)
