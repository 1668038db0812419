"""Checkpoints: plain dicts of tensors, numbers and strings, written atomically and read with
``torch.load(weights_only=True)``, so loading one never runs code."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from jumpdsl.fileio import write_atomic

__all__ = ["FORMAT", "CheckpointError", "fit_weights", "load_checkpoint", "save_checkpoint"]

FORMAT = "jumpdsl-train/1"


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, or not one of ours."""


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, **state}, buffer)
    write_atomic(path, buffer.getvalue())


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except Exception as exc:  # torch raises many kinds for a damaged or foreign file
        raise CheckpointError(f"cannot read checkpoint {path}: {_reason(exc)}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a jumpdsl training checkpoint")
    _check_fields(path, state)
    return state


def fit_weights(module: torch.nn.Module, weights: Mapping[str, Any]) -> None:
    """Load ``weights`` into ``module``, or say in a CheckpointError why they do not fit."""
    try:
        module.load_state_dict(weights)
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise CheckpointError(
            f"the weights do not fit this network: {' '.join(lines[:2])}"
        ) from None


# What eval and --resume read, and the type each must have: a checkpoint whose fields were
# doctored (or damaged into other types) is refused here, in one sentence, not deep in torch.
_FIELDS: dict[str, tuple[type, ...]] = {
    "params": (dict,),
    "data": (str,),
    "settings": (dict,),
    "normalization": (dict,),
    "model": (dict,),
    "optimizer": (dict,),
    "history": (list,),
    "lottery": (list,),
}


def _check_fields(path: str | Path, state: dict[str, Any]) -> None:
    for name, types in _FIELDS.items():
        if name not in state:
            raise CheckpointError(f"{path}: the checkpoint has no '{name}'")
        if not isinstance(state[name], types):
            kind = type(state[name]).__name__
            raise CheckpointError(f"{path}: '{name}' is a {kind}, not a {types[0].__name__}")
    bad = [k for k, v in state["model"].items() if not isinstance(v, torch.Tensor)]
    if bad or not all(isinstance(k, str) for k in state["params"]):
        raise CheckpointError(f"{path}: the weights or parameters are not what jumpdsl saves")
    norm = state["normalization"]
    if not (
        _number(norm.get("scale"))
        and all(_numbers(norm.get(k)) for k in ("mean", "std"))
        and len(norm) == 3
    ):
        raise CheckpointError(f"{path}: 'normalization' is not a scale, mean and std")
    if not all(_epoch_row(row) for row in state["history"]):
        raise CheckpointError(f"{path}: 'history' is not a list of epochs")


def _epoch_row(row: Any) -> bool:
    """A history row with what resuming reads of it."""
    read = ("epoch", "val_acc", "val_loss")
    return isinstance(row, dict) and all(_number(row.get(k)) for k in read)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(_number(v) for v in value)


def _reason(exc: Exception) -> str:
    """The telling line of torch's (often long) message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    telling = [line for line in lines if "error" in line.lower()]
    return (telling or lines or [type(exc).__name__])[-1]
