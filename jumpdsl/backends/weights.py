"""Weights a user already has, onto a compiled spec: a ``state_dict`` file written by another
implementation of the same network (torchvision's ``resnet50``, say), matched entry by entry
in order. The zoo builds each model layer for layer as its reference does, so the two
``state_dict``\\ s list the same tensors in the same order under different names
(``layer1.0.conv1.weight`` there, ``learner.group1.block1.conv1.weight`` here).

Two of torchvision's models list a tensor away from where their forward uses it, and ours
follow the forward: ViT's ``class_token`` is the model's own, so it comes first, and Swin's
``PatchMerging`` registers ``reduction`` before the ``norm`` it applies first. A file with
those names has those entries moved to the forward's place first (:data:`FORWARD_ORDER`).

Nothing is downloaded: the file is the user's. It is read with ``torch.load(weights_only=True)``
(no code from the file runs), and every entry's shape is checked before any is copied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import torch

from jumpdsl.train.checkpoint import CheckpointError

__all__ = ["FORWARD_ORDER", "in_forward_order", "read_state_dict", "renamed", "weights_for"]

# An entry (a pattern of torchvision's names) → the entry it follows in the forward.
FORWARD_ORDER = {
    r"class_token": "conv_proj.bias",  # ViT
    r"(.*)\.reduction\.weight": r"\1.norm.bias",  # Swin's PatchMerging
    r"(.*)\.layer_scale": r"\1.block.5.bias",  # ConvNeXt's CNBlock: scales its MLP's output
}


def in_forward_order(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state`` with each entry :data:`FORWARD_ORDER` names moved after the one it follows,
    where that one is there; every other entry keeps its place.

    >>> names = ["class_token", "conv_proj.weight", "conv_proj.bias", "encoder.ln.weight"]
    >>> list(in_forward_order(dict.fromkeys(names)))
    ['conv_proj.weight', 'conv_proj.bias', 'class_token', 'encoder.ln.weight']
    """
    names = list(state)
    for pattern, after in FORWARD_ORDER.items():
        for name in [n for n in names if re.fullmatch(pattern, n)]:
            target = re.sub(pattern, after, name)
            if target in names:
                names.remove(name)
                names.insert(names.index(target) + 1, name)
    return {name: state[name] for name in names}


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a ``state_dict`` file (or of a checkpoint holding one under
    ``state_dict`` or ``model``); :class:`CheckpointError` says why it cannot be read."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except Exception as exc:  # pickle, zip and torch's own errors: the file is not a state_dict
        raise CheckpointError(f"{path}: not a state_dict file ({type(exc).__name__})") from None
    for key in ("state_dict", "model"):
        if isinstance(state, Mapping) and isinstance(state.get(key), Mapping):
            state = state[key]
    if not isinstance(state, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise CheckpointError(f"{path}: not a state_dict (a table of names to tensors)")
    return dict(state)


def renamed(
    ours: Mapping[str, torch.Tensor], theirs: Mapping[str, torch.Tensor], source: str
) -> dict[str, torch.Tensor]:
    """``theirs``' tensors under ``ours``' names, pairing the entries in order; the first pair
    whose shapes differ, or a different count, is a :class:`CheckpointError`."""
    mine, given = list(ours.items()), list(theirs.items())
    # the shapes first, pair by pair: the first that differs says most about what is wrong
    for index, ((name, tensor), (their_name, value)) in enumerate(zip(mine, given, strict=False)):
        if tuple(tensor.shape) != tuple(value.shape):
            raise CheckpointError(
                f"{source}: entry {index + 1} '{their_name}' is {_shape(value)}, but this "
                f"network's entry {index + 1} '{name}' is {_shape(tensor)}: the file is not "
                "this architecture (or not with these parameters: classes=…?)"
            )
    if len(mine) != len(given):
        raise CheckpointError(
            f"{source}: {len(given)} entries, but this network has {len(mine)}: the file is "
            "not this architecture"
        )
    return {name: value for (name, _), (_, value) in zip(mine, given, strict=True)}


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(map(str, tensor.shape)) or "a scalar"


def weights_for(ours: Mapping[str, torch.Tensor], path: str | Path) -> dict[str, torch.Tensor]:
    """The ``state_dict`` file at ``path`` under the names of ``ours`` (a module's
    ``state_dict``), entry by entry in order: what ``load_state_dict`` takes."""
    return renamed(ours, in_forward_order(read_state_dict(path)), str(path))
