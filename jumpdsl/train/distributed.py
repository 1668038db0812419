"""Data-parallel training across processes started by torchrun (one process per GPU or core).

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; NCCL joins CUDA processes, gloo CPU ones. Each
process reads the whole (small) data set and takes its share of every global batch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["Group", "join", "leave"]


@dataclass(frozen=True)
class Group:
    """This process's place among the processes of a run (rank 0 of 1 when alone)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    def all_sum(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` summed over every process (in place)."""
        if self.world > 1:
            dist.all_reduce(values, op=dist.ReduceOp.SUM)
        return values

    def wrap(self, module: nn.Module, device: torch.device, *, unused: bool = False) -> nn.Module:
        """The module DDP-wrapped when there are several processes: gradients are averaged.
        ``unused``: some parameters get no gradient (the heads of outputs the loss ignores)."""
        if self.world == 1:
            return module
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(
            module, device_ids=ids, find_unused_parameters=unused
        )


def join(cuda: bool) -> Group:
    """The process group torchrun describes in the environment, joined; alone without one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Group()
    group = Group(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        if cuda:
            torch.cuda.set_device(group.local_rank)
        dist.init_process_group("nccl" if cuda else "gloo")
    return group


def leave(group: Group, *, together: bool = False) -> None:
    """Leave the process group; ``together`` (a run that ended well) waits for every process
    first: gloo may abort a process whose group is destroyed while another still works (rank
    0 tests the network alone after the last epoch)."""
    if group.world > 1 and dist.is_initialized():
        if together:
            dist.barrier()
        dist.destroy_process_group()
