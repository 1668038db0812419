"""ResNet-50 written by hand in PyTorch, the way torchvision builds it: the benchmark's second
baseline. In-place ReLU modules, a 1×1 projection (conv, batch norm) where a block changes
size or width, modules registered in the order the spec makes them, so the two ``state_dict``s
line up tensor for tensor. 25,557,032 parameters at 1000 classes.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ResNet50"]


class Bottleneck(nn.Module):
    """1×1 → 3×3 (strided) → 1×1 at four times the width, each with batch norm; add; ReLU."""

    def __init__(self, cin: int, f: int, stride: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, f, 1, bias=False), nn.BatchNorm2d(f)
        self.conv2 = nn.Conv2d(f, f, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(f)
        self.conv3, self.bn3 = nn.Conv2d(f, 4 * f, 1, bias=False), nn.BatchNorm2d(4 * f)
        self.relu = nn.ReLU(inplace=True)
        self.down: nn.Module | None = None
        if stride != 1 or cin != 4 * f:
            self.down = nn.Sequential(
                nn.Conv2d(cin, 4 * f, 1, stride=stride, bias=False), nn.BatchNorm2d(4 * f)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.down is None else self.down(x)
        return self.relu(out + shortcut)


class ResNet50(nn.Module):
    """7×7/2 conv, max pool, four stages of bottlenecks (3, 4, 6, 3), pool, fully connected."""

    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        blocks: list[nn.Module] = []
        cin = 64
        for f, n, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(n):
                blocks.append(Bottleneck(cin, f, stride if i == 0 else 1))
                cin = 4 * f
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(2048, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        x = self.blocks(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
