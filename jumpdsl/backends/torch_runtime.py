"""Running a compiled network: device choice, torch.compile, and a smoke forward pass."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from jumpdsl.options import COMPILE_MODES

__all__ = ["pick_device", "prepare", "smoke_forward"]


def pick_device(name: str | None = None) -> torch.device:
    """``None`` or ``"auto"``: CUDA when available, else CPU; otherwise the named device."""
    if name in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def prepare(
    module: nn.Module,
    device: torch.device,
    *,
    torch_compile: bool | None = None,
    mode: str = "default",
) -> tuple[Any, bool]:
    """Move to ``device`` and wrap in torch.compile (by default only on CUDA).

    Returns the module to call and whether it was compiled.
    """
    module = module.to(device)
    use_compile = device.type == "cuda" if torch_compile is None else torch_compile
    if use_compile:
        if mode not in COMPILE_MODES:
            raise ValueError(f"compile mode '{mode}': use one of {', '.join(COMPILE_MODES)}")
        # The generated forward is straight-line code: a graph break would be a jumpdsl bug,
        # so fullgraph makes it an error instead of a silent slowdown.
        return torch.compile(module, mode=mode, fullgraph=True), True
    return module, False


def smoke_forward(
    module: nn.Module, input_shape: tuple[int, ...], batch: int, device: torch.device
) -> dict[str, Any]:
    """One forward pass in eval mode on random data; the output shape and the time it took."""
    module.eval()
    x = torch.randn(batch, *input_shape, device=device)
    start = time.perf_counter()
    with torch.no_grad():
        y = module(x)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return {"output_shape": list(y.shape), "seconds": round(time.perf_counter() - start, 4)}
