"""The layer-by-layer comparison (jumpdsl.backends.equivalence, what
scripts/torchvision_equivalence.py runs against torchvision) on a spec and a hand-written
plain-torch reference: it pairs the layers through the copy of the tensors, passes when the
two networks agree, and names the first layer where they part, also when the logits agree."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from jumpdsl.api import check_text
from jumpdsl.backends.equivalence import (
    compare_layers,
    copy_in_order,
    randomise_norms,
    relative_difference,
)
from jumpdsl.backends.torch_fx import build_module

SPEC = """
network Small(classes: int = 5) {
    input [3, 12, 12]
    stem { conv(8, 3x3, bias=false) bn relu }
    learner { conv(16, 3x3, stride=2, padding=1, bias=false) bn relu }
    task { gap dense(classes) }
}
"""


class Reference(nn.Module):
    """SPEC written out in PyTorch; ``shift`` adds 1 to conv1's output inside conv1 and takes
    it off again before bn1: the same logits, a different first layer."""

    def __init__(self, shift: float = 0.0) -> None:
        super().__init__()
        self.shift = shift
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 5)
        if shift:
            self.conv1.register_forward_hook(lambda _m, _a, out: out + shift)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn1(self.conv1(x) - self.shift))
        x = torch.relu(self.bn2(self.conv2(x)))
        return self.fc(x.mean((2, 3)))


def ours() -> nn.Module:
    return build_module(check_text(SPEC).raise_for_errors())


def reference(shift: float = 0.0) -> nn.Module:
    torch.manual_seed(1)
    module = Reference(shift)
    randomise_norms(module)
    return module


def example() -> torch.Tensor:
    return torch.randn(2, 3, 12, 12, generator=torch.Generator().manual_seed(2))


def test_layers_pair_through_the_copy_and_agree() -> None:
    found = compare_layers(ours(), reference(), example())
    assert [d.theirs for d in found.layers] == ["conv1", "bn1", "conv2", "bn2", "fc"]
    assert [d.ours for d in found.layers] == [
        "stem.conv1",
        "stem.bn1",
        "learner.conv1",
        "learner.bn1",
        "task.dense1",
    ]
    assert found.ok and found.first_failure is None
    assert found.layers_compared == 5
    assert found.worst_output <= 1e-6 and found.worst_layer is not None
    assert found.worst_layer.difference <= 1e-6
    assert (
        found.params_ours == found.params_theirs == sum(p.numel() for p in Reference().parameters())
    )


def test_a_shifted_layer_fails_where_the_logits_agree() -> None:
    logits_only = compare_layers(ours(), reference(shift=1.0), example(), layers=False)
    assert logits_only.ok and logits_only.layers == ()
    found = compare_layers(ours(), reference(shift=1.0), example())
    assert found.outputs_ok and not found.ok
    first = found.first_failure
    assert first is not None
    assert (first.theirs, first.ours) == ("conv1", "stem.conv1")
    assert first.ours_shape == first.theirs_shape == (2, 8, 12, 12)
    # the shift is 1 on outputs of magnitude about 1: far over the tolerance
    assert first.difference > 0.1
    # the later layers agree: the first failure is the only one
    assert [d.theirs for d in found.compared if d.difference > found.tolerance] == ["conv1"]


def test_a_real_difference_is_found_at_its_layer() -> None:
    theirs = reference()
    with torch.no_grad():
        mine = ours()
        copy_in_order(mine, theirs)
    # a reference whose second BN has another epsilon: the first layer to differ is bn2
    theirs.bn2.eps = 0.5
    found = compare_layers(mine, theirs, example())
    assert found.first_failure is not None and found.first_failure.theirs == "bn2"
    assert not found.outputs_ok


def test_a_layer_of_another_shape_is_where_they_part() -> None:
    theirs = reference()
    theirs.conv1.padding = (0, 0)  # PyTorch's default padding where the spec pads `same`
    found = compare_layers(ours(), theirs, example())
    first = found.first_failure
    assert first is not None and first.theirs == "conv1" and first.ours == "stem.conv1"
    assert (first.ours_shape, first.theirs_shape) == ((2, 8, 12, 12), (2, 8, 10, 10))
    assert first.difference == float("inf") and "shapes differ" in first.describe()
    assert not found.ok


class Maps(nn.Module):
    """A linear layer on N×H×W×C maps (Swin's layout in torchvision)."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


class Tokens(Maps):
    """The same on N×(H·W)×C tokens (the layout here), or with channels first (``swap``)."""

    def __init__(self, swap: bool = False) -> None:
        super().__init__()
        self.swap = swap

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.proj(x).flatten(1, 2)
        return tokens.transpose(1, 2) if self.swap else tokens


class Permuted(Maps):
    """Maps, its output channels first: N×C×H×W (the same numbers, the axes in another order)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).permute(0, 3, 1, 2)


def test_the_same_numbers_in_another_shape_agree_and_a_transpose_does_not() -> None:
    x = torch.randn(2, 3, 3, 4)
    same = compare_layers(Tokens(), Maps(), x)
    assert same.ok and same.layers_compared == 1
    assert same.outputs[0].ours_shape == (2, 9, 4) and same.outputs[0].theirs_shape == (2, 3, 3, 4)
    assert "(reshaped)" in same.outputs[0].describe()
    channels_first = compare_layers(Tokens(swap=True), Maps(), x)
    assert not channels_first.outputs_ok  # 2×4×9 against 2×3×3×4: no reshape or order fits
    permuted = nn.Sequential(Maps())
    found = compare_layers(Permuted(), permuted, x)
    assert found.ok and "(reshaped)" in found.outputs[0].describe()
    swapped = compare_layers(Tokens(swap=True), Maps(), x)  # 2×4×9: as many numbers, transposed
    assert swapped.first_failure is None and not swapped.outputs_ok
    assert swapped.outputs[0].difference > 0.1


def test_counts_and_shapes_must_match() -> None:
    theirs = reference()
    theirs.extra = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="tensors here"):
        copy_in_order(ours(), theirs)
    other = reference()
    other.conv1 = nn.Conv2d(3, 8, 5, padding=2, bias=False)
    with pytest.raises(ValueError, match="tensor 1: 'conv1'"):
        copy_in_order(ours(), other)


class TwoHeads(nn.Module):
    def __init__(self, aux_scale: float) -> None:
        super().__init__()
        self.body = nn.Linear(4, 4)
        self.aux_scale = aux_scale

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        y = self.body(x)
        return {"out": y, "aux": y * self.aux_scale}


def test_every_output_is_compared() -> None:
    x = torch.randn(3, 4)
    assert compare_layers(TwoHeads(2.0), TwoHeads(2.0), x).ok
    found = compare_layers(TwoHeads(3.0), TwoHeads(2.0), x)
    assert [d.theirs for d in found.outputs] == ["output out", "output aux"]
    assert found.outputs[0].difference == 0.0
    assert found.outputs[1].difference == pytest.approx(0.5)
    assert found.first_failure is None and not found.ok


def test_relative_difference() -> None:
    b = torch.tensor([1.0, -4.0])
    assert relative_difference(b + torch.tensor([0.0, 2.0]), b) == pytest.approx(0.5)
    assert relative_difference(torch.ones(2), torch.zeros(2)) == 1.0


def test_norms_are_randomised() -> None:
    module = nn.Sequential(nn.BatchNorm2d(4), nn.LayerNorm(4))
    randomise_norms(module)
    bn, ln = module
    for tensor in (bn.running_mean, bn.running_var, bn.weight, bn.bias, ln.weight, ln.bias):
        assert tensor.unique().numel() == 4
