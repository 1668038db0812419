"""The options of ``train`` and ``eval`` that say where and how fast to run, and the runtime
they make (torch is imported only when a command runs)."""

from __future__ import annotations

import argparse
from typing import Any

from jumpdsl.cli.common import UsageError
from jumpdsl.ir.graph import Graph
from jumpdsl.options import PRECISIONS

__all__ = ["add_device_options", "make_runtime", "wants_cuda"]


def add_device_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, … (default: auto)")
    p.add_argument(
        "--precision",
        default="auto",
        choices=PRECISIONS,
        help="auto: bf16 autocast on CUDA, fp32 on CPU",
    )
    p.add_argument("--no-torch-compile", action="store_true", help="stay eager on CUDA too")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: one a core)")


def wants_cuda(device: str) -> bool:
    """Whether ``device`` is a CUDA device; one this torch cannot use is a usage error."""
    from jumpdsl.backends.torch_runtime import DeviceError, pick_device

    try:
        return pick_device(device).type == "cuda"
    except DeviceError as exc:
        raise UsageError(str(exc)) from None


def make_runtime(args: argparse.Namespace, graph: Graph, local_rank: int, world: int) -> Any:
    """The runtime the options ask for (one GPU per process under DDP)."""
    from jumpdsl.passes.shapes import Shapes
    from jumpdsl.train import accel

    device = args.device
    if world > 1 and wants_cuda(device):
        device = f"cuda:{local_rank}"
    try:
        compile_ = False if args.no_torch_compile else None
        macs = sum(graph.get(Shapes, node).macs for node in graph)
        return accel.make_runtime(device, args.precision, compile_, threads=args.threads, macs=macs)
    except (ValueError, RuntimeError) as exc:
        raise UsageError(str(exc)) from None
