"""Speed settings: device, bf16 autocast, channels_last and torch.compile (on CUDA by default).

None of them changes what is learned, only how fast; they are recorded but are not part of the
recipe.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch

from jumpdsl.backends.torch_runtime import pick_device
from jumpdsl.options import PRECISIONS

__all__ = ["SMALL_NETWORK_MACS", "Runtime", "make_runtime", "threads_kept"]
DATA_ON_DEVICE_BYTES = 4 << 30  # keep a data set on the GPU when it is smaller than this
# Below this many multiply-adds per image, splitting each op across CPU threads costs more than
# it saves, and on a busy machine far more (digits, 1.5 M: 38 s on one thread, 212 s on two).
SMALL_NETWORK_MACS = 10_000_000


@dataclass(frozen=True)
class Runtime:
    device: torch.device
    bf16: bool
    channels_last: bool
    compile: bool

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if not self.bf16:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        """A batch in the memory layout the model was put in."""
        if self.channels_last and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def data_device(self, nbytes: int) -> torch.device:
        """Where to keep a data set: on the device when it fits comfortably, else in CPU memory."""
        return self.device if nbytes <= DATA_ON_DEVICE_BYTES else torch.device("cpu")

    def to_json(self) -> dict[str, Any]:
        return {
            "device": str(self.device),
            "precision": "bf16" if self.bf16 else "fp32",
            "channels_last": self.channels_last,
            "torch_compile": self.compile,
            "cpu_threads": torch.get_num_threads(),
        }


def make_runtime(
    device: str | None = None,
    precision: str = "auto",
    torch_compile: bool | None = None,
    *,
    threads: int | None = None,
    macs: int = 0,
) -> Runtime:
    """CUDA gets bf16, channels_last and torch.compile unless told otherwise; CPU stays plain
    (bf16 on request). ``threads`` sets torch's CPU threads for this process; by default a
    network of fewer than SMALL_NETWORK_MACS multiply-adds per image gets one."""
    where = pick_device(device)  # DeviceError (a ValueError) where torch cannot use it
    cuda = where.type == "cuda"
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
    if threads is None and not cuda and 0 < macs < SMALL_NETWORK_MACS:
        threads = 1
    if threads is not None:
        if threads < 1:
            raise ValueError("--threads must be at least 1")
        torch.set_num_threads(threads)
    bf16 = precision == "bf16" or (precision == "auto" and cuda and torch.cuda.is_bf16_supported())
    return Runtime(where, bf16, cuda, cuda if torch_compile is None else torch_compile)


@contextlib.contextmanager
def threads_kept() -> Iterator[None]:
    """Restore torch's thread count afterwards (the CLI may run inside a larger program)."""
    before = torch.get_num_threads()
    try:
        yield
    finally:
        torch.set_num_threads(before)
