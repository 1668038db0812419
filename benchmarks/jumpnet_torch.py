"""The seed's JumpNet for CIFAR-10, written by hand in PyTorch: the benchmark's baseline.

Written the way a careful PyTorch user would (torchvision's ResNet style: in-place ReLU modules,
adaptive average pooling), with modules registered in the order the spec makes them, so the two
``state_dict``s line up tensor for tensor. 813,418 parameters; (N, 256, 4, 4) before pooling.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["JumpNet"]


def _conv(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=True)
    nn.init.kaiming_normal_(conv.weight, mode="fan_in", nonlinearity="relu")
    nn.init.zeros_(conv.bias)
    return conv


class Bottleneck(nn.Module):
    """BN-ReLU-conv 1×1, 3×3, 1×1 (ResNet v2 order); the block's input is added back."""

    def __init__(self, f: int) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(f), _conv(f, f, 1)
        self.bn2, self.conv2 = nn.BatchNorm2d(f), _conv(f, f, 3)
        self.bn3, self.conv3 = nn.BatchNorm2d(f), _conv(f, f, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu(self.bn1(x)))
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return x + out


class JumpGroup(nn.Module):
    """n blocks, a strided 1×1 conv; the group's input, projected, concatenated first."""

    def __init__(self, f: int, n: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*(Bottleneck(f) for _ in range(n)))
        self.bn, self.conv = nn.BatchNorm2d(f), _conv(f, f, 1, stride=2)
        self.jump_bn, self.jump_conv = nn.BatchNorm2d(f), _conv(f, f, 1, stride=2)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(self.relu(self.bn(self.blocks(x))))
        return torch.cat([self.jump_conv(self.jump_bn(x)), out], 1)


class JumpNet(nn.Module):
    """stem → learner (three groups) → task, as in the seed."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            _conv(3, 16, 3),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            _conv(16, 32, 3),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
        )
        self.learner = nn.Sequential(JumpGroup(32, 3), JumpGroup(64, 4), JumpGroup(128, 3))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(256, classes)
        nn.init.kaiming_normal_(self.fc.weight, mode="fan_in", nonlinearity="relu")
        nn.init.zeros_(self.fc.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The maps before pooling: (N, 256, 4, 4) for CIFAR's 32×32."""
        return self.learner(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))
