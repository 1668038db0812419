"""A trained network as one module: the checkpoint's weights, and the input normalisation the
run trained with as the module's first step, so raw inputs give the trained accuracy.

``jumpdsl train`` feeds the network ``(x / scale − mean) / std``, per channel, with the figures
fitted on its training split and saved in the checkpoint. :func:`with_input_normalization`
puts that step into the fx graph, after the input, with its constants as non-persistent
buffers: the ``state_dict`` stays the training form's (or the inference form's) own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import fx

from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint

if TYPE_CHECKING:  # batches imports numpy: a plain install exports without it
    from jumpdsl.train.batches import Normalization

__all__ = ["Trained", "read_trained", "with_input_normalization"]


@dataclass(frozen=True)
class Trained:
    """A checkpoint's model weights, the input normalisation they were trained with, and the
    network parameters (``--set``) of the run."""

    weights: Mapping[str, torch.Tensor]
    normalization: Normalization
    params: Mapping[str, Any]


def read_trained(path: str | Path) -> Trained:
    """The weights and normalisation of a ``jumpdsl train`` checkpoint (``best.pt``,
    ``last.pt``); :class:`~jumpdsl.train.checkpoint.CheckpointError` names what is wrong
    (the fields' types are checked on loading)."""
    from jumpdsl.train.batches import Normalization  # numpy: only where a checkpoint is read

    state = load_checkpoint(path)
    field = state["normalization"]
    norm = Normalization(float(field["scale"]), tuple(field["mean"]), tuple(field["std"]))
    figures = (norm.scale, *norm.mean, *norm.std)
    if len(norm.mean) != len(norm.std) or not all(math.isfinite(v) for v in figures):
        raise CheckpointError(f"{path}: its 'normalization' field is damaged")
    if norm.scale == 0 or 0 in norm.std:
        raise CheckpointError(f"{path}: its 'normalization' field divides by zero")
    return Trained(state["model"], norm, dict(state["params"]))


def with_input_normalization(module: fx.GraphModule, norm: Normalization) -> fx.GraphModule:
    """``module`` with ``(x − mean·scale) / (std·scale)`` before its first layer, per channel
    (axis 1), in place; the constants are buffers kept out of the ``state_dict``."""
    if norm.scale == 1 and set(norm.mean) <= {0.0} and set(norm.std) <= {1.0}:
        return module  # nothing to do
    (placeholder,) = (n for n in module.graph.nodes if n.op == "placeholder")
    reference = next(iter(module.parameters()), None)
    device = reference.device if reference is not None else None
    for name, values, factor in (
        ("input_offset", norm.mean, norm.scale),
        ("input_divisor", norm.std, norm.scale),
    ):
        constant = torch.tensor(values, dtype=torch.float32, device=device) * factor
        module.register_buffer(name, constant.view(1, -1), persistent=False)
    users = list(placeholder.users)
    graph = module.graph
    with graph.inserting_after(placeholder):
        offset = graph.get_attr("input_offset")
    with graph.inserting_after(offset):
        divisor = graph.get_attr("input_divisor")
    with graph.inserting_after(divisor):
        shaped = graph.call_function(_per_channel, (placeholder, offset, divisor))
    for user in users:
        user.replace_input_with(placeholder, shaped)
    module.recompile()
    return module


def _per_channel(x: torch.Tensor, offset: torch.Tensor, divisor: torch.Tensor) -> torch.Tensor:
    shape = (1, -1) + (1,) * (x.dim() - 2)
    return (x - offset.view(shape)) / divisor.view(shape)
