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


def _reason(exc: Exception) -> str:
    """The telling line of torch's (often long) message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    telling = [line for line in lines if "error" in line.lower()]
    return (telling or lines or [type(exc).__name__])[-1]
