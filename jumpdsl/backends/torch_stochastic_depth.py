"""The module behind the ``stochastic_depth`` op (Huang et al. 2016, "Deep Networks with
Stochastic Depth"), as torchvision's ``StochasticDepth`` computes it.

Imports torch: ``jumpdsl.ops`` names it only by its import path (``em.make``), so nothing on
the check and draw path loads it.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["StochasticDepth"]


class StochasticDepth(nn.Module):
    """While training, zeroes a whole residual branch with probability ``p`` (per sample in
    mode ``row``, for the whole batch in mode ``batch``) and scales what is kept by
    1 / (1 − p); the identity in eval mode."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        # One draw per sample (row) or one for the batch, broadcast over the other axes.
        size = [x.shape[0] if self.mode == "row" else 1] + [1] * (x.dim() - 1)
        keep = x.new_empty(size).bernoulli_(survival).div_(survival)
        return x * keep

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"
