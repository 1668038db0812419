"""Layer by layer: is a compiled spec the same network as another implementation of it?

The two modules' ``state_dict`` entries (parameters and buffers) are paired one to one in
order, as :mod:`jumpdsl.backends.weights` pairs a file's, ``theirs`` copied into ``ours``. The
copy also pairs the layers: each module of ``theirs`` that owns tensors is paired with the
module of ``ours`` that received them. Forward hooks on both sides record what each paired
module returns for one input, and each pair's outputs are compared: relative max
|difference| = max|a − b| / max|b|. Logits alone can agree while a layer differs (a shift that
a later step undoes, a wrong padding that the pooling hides): the first pair over the tolerance
in execution order says where the two networks part.

Plain torch, nothing from torchvision: ``theirs`` is any ``nn.Module``
(``scripts/torchvision_equivalence.py`` passes torchvision's models).

>>> import torch
>>> from torch import nn
>>> ours, theirs = nn.Sequential(nn.Linear(2, 3)), nn.Sequential(nn.Linear(2, 3))
>>> report = compare_layers(ours, theirs, torch.ones(1, 2))
>>> report.ok, report.layers_compared, report.first_failure is None
(True, 1, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

import torch
from torch import nn

from jumpdsl.backends.weights import in_forward_order

__all__ = [
    "TOLERANCE",
    "Comparison",
    "LayerDiff",
    "compare_layers",
    "copy_in_order",
    "randomise_norms",
    "relative_difference",
]

TOLERANCE = 1e-5


@dataclass(frozen=True)
class LayerDiff:
    """One paired layer (or one output of the networks): names, shapes, relative difference;
    ``skipped`` says why it was not compared (``difference`` is then 0). Outputs of as many
    numbers in other shapes (Swin's B×H×W×C maps, B×(H·W)×C tokens here; channels last or
    first) are compared in row-major order or with the axes (not the batch's) permuted, the
    closer of the two; of different sizes they differ: ``difference`` is infinite."""

    ours: str
    theirs: str
    ours_shape: tuple[int, ...]
    theirs_shape: tuple[int, ...]
    difference: float
    skipped: str = ""

    def describe(self) -> str:
        shapes = "×".join(map(str, self.ours_shape)) + " / " + "×".join(map(str, self.theirs_shape))
        what = self.skipped or f"relative max |diff| {self.difference:.3g}"
        if not self.skipped and self.ours_shape != self.theirs_shape:
            what = "shapes differ" if self.difference == float("inf") else f"{what} (reshaped)"
        return f"{self.ours or '(root)'} ↔ {self.theirs or '(root)'} [{shapes}]: {what}"


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare_layers` found. ``layers`` in the execution order of ``theirs``;
    ``outputs`` one entry per network output (logits, or each named output)."""

    tolerance: float
    layers: tuple[LayerDiff, ...]
    outputs: tuple[LayerDiff, ...]
    params_ours: int
    params_theirs: int
    unfired: tuple[str, ...] = field(default=())

    @property
    def compared(self) -> tuple[LayerDiff, ...]:
        return tuple(layer for layer in self.layers if not layer.skipped)

    @property
    def layers_compared(self) -> int:
        return len(self.compared)

    @property
    def first_failure(self) -> LayerDiff | None:
        """The first paired layer over the tolerance, in execution order."""
        return next((d for d in self.compared if d.difference > self.tolerance), None)

    @property
    def worst_layer(self) -> LayerDiff | None:
        return max(self.compared, key=lambda d: d.difference, default=None)

    @property
    def worst_output(self) -> float:
        return max((d.difference for d in self.outputs), default=0.0)

    @property
    def outputs_ok(self) -> bool:
        return self.worst_output <= self.tolerance and not any(d.skipped for d in self.outputs)

    @property
    def ok(self) -> bool:
        return self.first_failure is None and self.outputs_ok

    def record(self) -> dict[str, Any]:
        """The figures as JSON-ready values."""
        worst, first = self.worst_layer, self.first_failure
        return {
            "params_ours": self.params_ours,
            "params_theirs": self.params_theirs,
            "layers_compared": self.layers_compared,
            "layers_skipped": [d.describe() for d in self.layers if d.skipped],
            "worst_layer_diff": worst.difference if worst else 0.0,
            "worst_layer": worst.describe() if worst else None,
            "output_diff": self.worst_output,
            "first_failure": first.describe() if first else None,
            "ok": self.ok,
        }


def relative_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """max|a − b| / max|b|; the absolute difference where ``b`` is all zeros."""
    a, b = a.detach().double(), b.detach().double()
    scale = float(b.abs().max()) if b.numel() else 0.0
    largest = float((a - b).abs().max()) if b.numel() else 0.0
    return largest / scale if scale > 0 else largest


def randomise_norms(module: nn.Module, generator: torch.Generator | None = None) -> None:
    """Every batch norm's running mean and variance, and every norm layer's affine weight and
    bias, set to random values: at their initial 0 and 1 a swapped or missing tensor would not
    show."""
    with torch.no_grad():
        for layer in module.modules():
            tracked = isinstance(getattr(layer, "running_var", None), torch.Tensor)
            if not (tracked or isinstance(layer, nn.GroupNorm | nn.LayerNorm)):
                continue
            for name, low, high in (
                ("running_mean", -0.1, 0.1),
                ("running_var", 0.5, 1.5),
                ("weight", 0.5, 1.5),
                ("bias", -0.1, 0.1),
            ):
                tensor = getattr(layer, name, None)
                if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
                    tensor.uniform_(low, high, generator=generator)


def _owned(state: Mapping[str, torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    """(owner module's name, tensor) for each entry of a ``state_dict``, in its order."""
    return [(name.rpartition(".")[0], tensor) for name, tensor in state.items()]


def copy_in_order(ours: nn.Module, theirs: nn.Module) -> dict[str, list[str]]:
    """Copy ``theirs``' ``state_dict`` entries into ``ours``' in order, as
    ``load(weights=)`` pairs them (:func:`~jumpdsl.backends.weights.in_forward_order`: a ViT's
    class token where its forward uses it); returns, for each module of ``theirs`` that owns
    tensors, the modules of ``ours`` that received them. A different count or the first pair
    of different shapes is a ``ValueError``."""
    given_state = in_forward_order(theirs.state_dict(keep_vars=True))
    mine, given = _owned(ours.state_dict(keep_vars=True)), _owned(given_state)
    if len(mine) != len(given):
        raise ValueError(f"{len(mine)} tensors here, {len(given)} in the reference")
    receivers: dict[str, list[str]] = {}
    with torch.no_grad():
        pairs = zip(mine, given, strict=True)
        for index, ((name, tensor), (their_name, value)) in enumerate(pairs):
            if tensor.shape != value.shape:
                raise ValueError(
                    f"tensor {index + 1}: '{their_name}' is {tuple(value.shape)}, "
                    f"'{name}' here is {tuple(tensor.shape)}"
                )
            tensor.copy_(value)
            owners = receivers.setdefault(their_name, [])
            if name not in owners:
                owners.append(name)
    return receivers


def _tensors(value: Any) -> list[tuple[str, torch.Tensor]]:
    """The tensors of an output: itself, a tuple's or list's in order, a dict's by key."""
    if isinstance(value, torch.Tensor):
        return [("", value)]
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items() if isinstance(v, torch.Tensor)]
    if isinstance(value, tuple | list):
        return [(str(i), v) for i, v in enumerate(value) if isinstance(v, torch.Tensor)]
    return []


def _record(
    names: Mapping[str, nn.Module], wanted: set[str]
) -> tuple[dict[str, list[torch.Tensor]], list[str], list[Any]]:
    """Hooks on the ``wanted`` modules: each call's first output tensor, cloned (an in-place
    ReLU after a BN would otherwise change what was recorded), and the order they ran in."""
    outputs: dict[str, list[torch.Tensor]] = {}
    order: list[str] = []
    handles = []
    for name in sorted(wanted):

        def hook(_m: nn.Module, _args: Any, out: Any, name: str = name) -> None:
            found = _tensors(out)
            if found:
                outputs.setdefault(name, []).append(found[0][1].detach().clone())
                order.append(name)

        handles.append(names[name].register_forward_hook(hook))
    return outputs, order, handles


def compare_layers(
    ours: nn.Module,
    theirs: nn.Module,
    example: torch.Tensor,
    *,
    tolerance: float = TOLERANCE,
    layers: bool = True,
) -> Comparison:
    """Copy ``theirs``' tensors into ``ours`` in order (:func:`copy_in_order`), run both in
    eval mode on ``example`` and compare each paired layer's output and each network output.
    A layer of ``theirs`` whose tensors went to several modules here is paired with the one
    of them that ran last; a pair whose outputs differ in shape fails. ``layers=False``: the
    outputs only."""
    ours.eval()
    theirs.eval()
    receivers = copy_in_order(ours, theirs)
    our_modules, their_modules = dict(ours.named_modules()), dict(theirs.named_modules())
    # the roots' outputs are the networks' outputs, compared below (a class token that the root
    # owns is not a layer of its own)
    wanted_theirs = {n for n in receivers if n} if layers else set()
    wanted_ours = {n for t in wanted_theirs for n in receivers[t] if n}
    mine, my_order, my_handles = _record(our_modules, wanted_ours)
    given, their_order, their_handles = _record(their_modules, wanted_theirs)
    try:
        with torch.no_grad():
            out_ours, out_theirs = ours(example), theirs(example)
    finally:
        for handle in [*my_handles, *their_handles]:
            handle.remove()
    paired = _layer_pairs(receivers, my_order, their_order, mine, given) if layers else []
    unfired = tuple(sorted(n for n in wanted_theirs if n not in given))
    return Comparison(
        tolerance=tolerance,
        layers=tuple(paired),
        outputs=tuple(_output_pairs(out_ours, out_theirs)),
        params_ours=_trainable(ours),
        params_theirs=_trainable(theirs),
        unfired=unfired,
    )


def _trainable(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _layer_pairs(
    receivers: Mapping[str, list[str]],
    my_order: list[str],
    their_order: list[str],
    mine: Mapping[str, list[torch.Tensor]],
    given: Mapping[str, list[torch.Tensor]],
) -> list[LayerDiff]:
    last_run = {name: index for index, name in enumerate(my_order)}
    calls: dict[str, int] = {}
    result = []
    for their_name in their_order:
        call = calls[their_name] = calls.get(their_name, -1) + 1
        candidates = [n for n in receivers[their_name] if n in last_run]
        b = given[their_name][call]
        if not candidates:
            result.append(_skipped("", their_name, (), b, "no output here"))
            continue
        our_name = max(candidates, key=last_run.__getitem__)
        runs = mine[our_name]
        a = runs[min(call, len(runs) - 1)]
        result.append(_diff(our_name, their_name, a, b))
    return result


def _skipped(
    ours: str, theirs: str, a_shape: tuple[int, ...], b: torch.Tensor, why: str
) -> LayerDiff:
    return LayerDiff(ours, theirs, a_shape, tuple(b.shape), 0.0, why)


def _diff(ours: str, theirs: str, a: torch.Tensor, b: torch.Tensor) -> LayerDiff:
    if a.numel() != b.numel():
        # a wrong padding or stride: this layer is where the two part
        return LayerDiff(ours, theirs, tuple(a.shape), tuple(b.shape), float("inf"))
    # the same numbers in another layout pass: flattened (Swin's maps as tokens) or with the
    # axes in another order (channels last, ConvNeXt's layer norm); a mix-up fails by value
    layouts = [a.reshape(b.shape)] if a.shape != b.shape else [a]
    if a.shape != b.shape and a.dim() == b.dim():
        layouts += [a.permute(p) for p in permutations(range(a.dim())) if _fits(a, p, b)]
    difference = min(relative_difference(x, b) for x in layouts)
    return LayerDiff(ours, theirs, tuple(a.shape), tuple(b.shape), difference)


def _fits(a: torch.Tensor, order: tuple[int, ...], b: torch.Tensor) -> bool:
    return order[0] == 0 and tuple(a.shape[i] for i in order) == tuple(b.shape)


def _output_pairs(out_ours: Any, out_theirs: Any) -> list[LayerDiff]:
    """Each network output against its counterpart: by key where both give the same keys,
    else by position."""
    a, b = _tensors(out_ours), _tensors(out_theirs)
    if {k for k, _ in a} == {k for k, _ in b} and len(a) == len(b):
        by_key = dict(a)
        a = [(k, by_key[k]) for k, _ in b]
    pairs = [
        _diff(f"output {ka}".strip(), f"output {kb}".strip(), x, y)
        for (ka, x), (kb, y) in zip(a, b, strict=False)
    ]
    # an output of theirs with no counterpart here fails the comparison (outputs_ok)
    for kb, y in b[len(a) :]:
        pairs.append(_skipped("", f"output {kb}".strip(), (), y, "no such output here"))
    return pairs
