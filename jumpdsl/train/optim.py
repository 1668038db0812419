"""The optimizer, with weight decay on the tensors each op's entry names (``decay``: conv and
dense kernels, not biases or norms), and the learning rate at any moment.

>>> s = Settings(lr=1.0, schedule="step", step_at=(10, 20), epochs=30)
>>> [lr_at(s, e) for e in (0, 9.9, 10, 25)]
[1.0, 1.0, 0.1, 0.010000000000000002]
"""

from __future__ import annotations

import math

import torch
from torch import nn

from jumpdsl.ir.graph import Graph
from jumpdsl.train.settings import Settings

__all__ = ["build_optimizer", "decayed_parameters", "lr_at", "set_lr"]

ONECYCLE_WARMUP = 0.3  # torch.optim.lr_scheduler.OneCycleLR's defaults
ONECYCLE_START_DIV = 25.0
ONECYCLE_END_DIV = 1e4


def decayed_parameters(graph: Graph, module: nn.Module) -> set[int]:
    """ids of the tensors that get weight decay: for each node, those its op's entry lists in
    ``decay`` (the seed's L2 is on kernels, not on biases or BN), found at the node's path."""
    found: set[int] = set()
    for node in graph.nodes():
        names = () if node.is_input else graph.ops[node.op].decay
        for name in names:
            try:
                found.add(id(module.get_parameter(f"{node.id}.{name}")))
            except AttributeError:
                continue  # not made for this node (a plugin's optional tensor)
    return found


def build_optimizer(graph: Graph, module: nn.Module, settings: Settings) -> torch.optim.Optimizer:
    """The optimizer over ``module``, built from ``graph``: decay on the entries' ``decay``."""
    kernels = decayed_parameters(graph, module)
    params = [p for p in module.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if id(p) in kernels], "weight_decay": settings.weight_decay},
        {"params": [p for p in params if id(p) not in kernels], "weight_decay": 0.0},
    ]
    fused = all(p.device.type in ("cpu", "cuda") for p in params)  # one kernel for all tensors
    if settings.optimizer == "sgd":
        return torch.optim.SGD(
            groups, lr=settings.lr, momentum=settings.momentum, nesterov=True, fused=fused
        )
    return torch.optim.Adam(groups, lr=settings.lr, fused=fused)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def lr_at(s: Settings, progress: float) -> float:
    """The learning rate after ``progress`` epochs (fractional: the schedules move per step)."""
    if s.schedule == "onecycle":
        return _onecycle(s.lr, progress / s.epochs)
    warm = min(1.0, progress / s.warmup_epochs) if s.warmup_epochs > 0 else 1.0
    if s.schedule == "step":
        return s.lr * warm * 0.1 ** sum(1 for m in s.step_at if progress >= m)
    if s.schedule == "cosine":
        span = max(s.epochs - s.warmup_epochs, 1e-9)
        t = min(max((progress - s.warmup_epochs) / span, 0.0), 1.0)
        return s.lr * warm * 0.5 * (1 + math.cos(math.pi * t))
    return s.lr * warm


def _onecycle(peak: float, t: float) -> float:
    start = peak / ONECYCLE_START_DIV
    if t < ONECYCLE_WARMUP:
        return start + (peak - start) * t / ONECYCLE_WARMUP
    end = start / ONECYCLE_END_DIV
    u = min((t - ONECYCLE_WARMUP) / (1 - ONECYCLE_WARMUP), 1.0)
    return end + (peak - end) * 0.5 * (1 + math.cos(math.pi * u))
