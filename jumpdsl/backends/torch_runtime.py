"""Running a compiled network: device choice, torch.compile, and a smoke forward pass."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from jumpdsl.options import COMPILE_MODES

__all__ = ["DeviceError", "pick_device", "prepare", "smoke_forward"]


class DeviceError(ValueError):
    """A device this torch cannot use: the message says what torch reports and what to do."""


def pick_device(name: str | None = None) -> torch.device:
    """``None`` or ``"auto"``: CUDA when available, else CPU; otherwise the named device,
    which must exist here (:class:`DeviceError` says why not)."""
    if name in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(
            f"device '{name}' is not a device name: use cpu, cuda or cuda:N"
        ) from None
    if device.type == "cuda":
        _check_cuda(name, device)
    return device


def _check_cuda(name: str | None, device: torch.device) -> None:
    if not torch.cuda.is_available():
        raise DeviceError(
            f"device '{name}': torch {torch.__version__} reports no CUDA ({_cuda_problem()}); "
            "use cpu, or install a CUDA build of torch"
        )
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise DeviceError(
            f"device '{name}': torch sees {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
        )


def _cuda_problem() -> str:
    """What torch says when asked to start CUDA (a CPU-only build, no driver, no device)."""
    try:
        torch.cuda.init()
    except (AssertionError, RuntimeError) as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return "torch.cuda.is_available() is False"


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
    seconds = round(time.perf_counter() - start, 4)
    if isinstance(y, dict):  # named outputs (`output NAME`): the main one's shape, and each's
        shapes = {name: list(value.shape) for name, value in y.items()}
        return {"output_shape": shapes["out"], "output_shapes": shapes, "seconds": seconds}
    return {"output_shape": list(y.shape), "seconds": seconds}
