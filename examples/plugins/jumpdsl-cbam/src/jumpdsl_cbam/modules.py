"""The torch side of the ``cbam`` op: the module a network holds (imported only to build it)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CBAM"]


class CBAM(nn.Module):
    """Channel attention, then spatial attention, each a sigmoid gate on the input.

    ``channel`` is the shared MLP over the map's average and maximum per channel; ``spatial``
    the k×k convolution (no bias) and batch norm over the maximum and mean across channels.
    Keys: ``channel.0.weight``, …, ``spatial.1.running_var``.
    """

    def __init__(self, channels: int, reduction: int = 16, kernel: int = 7) -> None:
        super().__init__()
        self.channels, self.reduction, self.kernel = channels, reduction, kernel
        hidden = channels // reduction
        self.channel = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels)
        )
        # The authors' code normalises the spatial map (momentum 0.01); the paper's figure
        # shows the convolution alone.
        self.spatial = nn.Sequential(
            nn.Conv2d(2, 1, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(1, eps=1e-5, momentum=0.01),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.channel(x.mean((2, 3))) + self.channel(x.amax((2, 3)))
        x = x * torch.sigmoid(weights)[:, :, None, None]
        pooled = torch.stack([x.amax(1), x.mean(1)], 1)
        return x * torch.sigmoid(self.spatial(pooled))

    def extra_repr(self) -> str:
        return f"{self.channels}, reduction={self.reduction}, kernel={self.kernel}"
