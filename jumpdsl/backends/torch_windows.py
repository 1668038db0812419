"""Swin's shifted-window self-attention as a torch module, on N×C tokens of a square grid.

The ``window_attention`` op (:mod:`jumpdsl.ops.tokens`) builds it by its import path, so the
standalone export imports it by name. Its tensors are torchvision's ``ShiftedWindowAttention``'s,
in the same order: ``relative_position_bias_table`` ((2w−1)² × heads), ``qkv`` (C → 3C),
``proj`` (C → C), and the buffer ``relative_position_index`` (w⁴ entries).

Liu et al. 2021 ("Swin Transformer", sec. 3.2): the grid is cut into w×w windows, attention runs
inside each window with a learned bias per relative position and head; in a shifted block the
grid is first rolled by (−shift, −shift) so that windows straddle the previous ones, positions
that were not neighbours before the roll do not attend to each other (−100 before the softmax),
and the result is rolled back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["WindowAttention", "relative_position_index", "shift_mask"]


def relative_position_index(window: int) -> torch.Tensor:
    """For positions p = (i, j) and q = (k, l) of a window, p·w² + q → the row of the bias
    table for their offset: (i − k + w − 1)·(2w − 1) + (j − l + w − 1)."""
    rows, cols = torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")
    rows, cols = rows.flatten(), cols.flatten()
    drow = rows[:, None] - rows[None, :] + window - 1
    dcol = cols[:, None] - cols[None, :] + window - 1
    return (drow * (2 * window - 1) + dcol).flatten()


def _regions(side: int, window: int, shift: int) -> torch.Tensor:
    """Which of the three bands (0, 1, 2) each row (or column) of the rolled grid is in: the
    rows that stay, those of the last window before the roll's seam, and those rolled in."""
    index = torch.arange(side)
    return (index >= side - window).long() + (index >= side - shift).long()


def shift_mask(side: int, window: int, shift: int) -> torch.Tensor:
    """windows × w² × w²: 0 where two positions of a window come from the same region of the
    grid before the roll, −100 where they do not."""
    bands = _regions(side, window, shift)
    region = bands[:, None] * 3 + bands[None, :]  # side × side
    per = side // window
    windows = region.view(per, window, per, window).permute(0, 2, 1, 3).reshape(-1, window**2)
    differ = windows[:, None, :] != windows[:, :, None]
    return torch.zeros(differ.shape).masked_fill(differ, -100.0)


class WindowAttention(nn.Module):
    """(Shifted) window multi-head self-attention on B×N×C tokens, N = side² (row by row)."""

    def __init__(
        self,
        channels: int,
        heads: int,
        window: int,
        shift: int,
        side: int,
        attention_dropout: float = 0.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.heads, self.window, self.side = heads, window, side
        # One window covering the whole grid: a roll would change nothing but the mask.
        self.shift = 0 if window >= side else shift
        self.attention_dropout, self.dropout = attention_dropout, dropout
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        self.register_buffer("relative_position_index", relative_position_index(window))
        # torchvision's swin_t: every weight here trunc_normal(0.02), the biases zero.
        for weight in (self.relative_position_bias_table, self.qkv.weight, self.proj.weight):
            nn.init.trunc_normal_(weight, std=0.02)
        nn.init.zeros_(self.qkv.bias)
        nn.init.zeros_(self.proj.bias)

    def extra_repr(self) -> str:
        return f"heads={self.heads}, window={self.window}, shift={self.shift}, side={self.side}"

    def _bias(self) -> torch.Tensor:
        """heads × w² × w²: the table's row for each pair's offset, per head."""
        area = self.window**2
        index = self.get_buffer("relative_position_index")
        table = self.relative_position_bias_table[index]
        return table.view(area, area, -1).permute(2, 0, 1).contiguous().unsqueeze(0)

    def _windows(self, grid: torch.Tensor) -> torch.Tensor:
        """B×side×side×C → (B·windows)×w²×C, window by window, row by row inside each."""
        b, c, w, per = grid.shape[0], grid.shape[-1], self.window, self.side // self.window
        split = grid.view(b, per, w, per, w, c).permute(0, 1, 3, 2, 4, 5)
        return split.reshape(b * per * per, w * w, c)

    def _grid(self, windows: torch.Tensor, batch: int) -> torch.Tensor:
        """The inverse of :meth:`_windows`."""
        c, w, per = windows.shape[-1], self.window, self.side // self.window
        split = windows.view(batch, per, per, w, w, c).permute(0, 1, 3, 2, 4, 5)
        return split.reshape(batch, self.side, self.side, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, channels = x.shape
        grid = x.view(batch, self.side, self.side, channels)
        if self.shift:
            grid = torch.roll(grid, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = self._windows(grid)
        count, area = windows.shape[0], windows.shape[1]
        per_head = channels // self.heads
        qkv = self.qkv(windows).reshape(count, area, 3, self.heads, per_head)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        scores = (q * per_head**-0.5).matmul(k.transpose(-2, -1)) + self._bias()
        if self.shift:
            mask = shift_mask(self.side, self.window, self.shift).to(scores)
            scores = scores.view(batch, -1, self.heads, area, area) + mask[None, :, None]
            scores = scores.view(-1, self.heads, area, area)
        weights = F.dropout(scores.softmax(-1), self.attention_dropout, self.training)
        mixed = weights.matmul(v).transpose(1, 2).reshape(count, area, channels)
        out = F.dropout(self.proj(mixed), self.dropout, self.training)
        grid = self._grid(out, batch)
        if self.shift:
            grid = torch.roll(grid, shifts=(self.shift, self.shift), dims=(1, 2))
        return grid.reshape(batch, tokens, channels)
