"""Augmentation of a batch on its device: random crops of a zero-padded image, and flips.

The random numbers come from a CPU generator the caller seeds, so a run is the same on any
device and after a resume.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["augment_batch", "crop_padding"]


def crop_padding(height: int) -> int:
    """4 pixels on CIFAR's 32 (the usual choice), 1 on an 8×8 digit."""
    return max(1, height // 8)


def augment_batch(x: torch.Tensor, mode: str, generator: torch.Generator) -> torch.Tensor:
    """``x`` (N×C×H×W) with ``mode`` applied: none, crop, flip or crop+flip."""
    if "crop" in mode:
        x = _random_crop(x, crop_padding(x.shape[2]), generator)
    if "flip" in mode:
        flip = torch.rand(x.shape[0], generator=generator) < 0.5
        x = torch.where(flip.to(x.device)[:, None, None, None], x.flip(3), x)
    return x


def _random_crop(x: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    n, c, h, w = x.shape
    dy, dx = torch.randint(0, 2 * pad + 1, (2, n), generator=generator).to(x.device)
    padded = F.pad(x, (pad, pad, pad, pad))
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, channel, rows, cols]
