"""The torch side of jumpdsl_broken: a module whose forward branches on its data."""

from __future__ import annotations

import torch
from torch import nn


class Branchy(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:  # data-dependent: torch.export cannot trace it
            return x
        return -x
