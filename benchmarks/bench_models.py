"""The compiled JumpNet against the hand-written one: same weights, same inputs, interleaved.

Cases: eval forward at batch 1 and 128, one training step (forward, cross-entropy, backward,
SGD with momentum) at batch 128. With ``compiled=True`` both models go through torch.compile.

The inference form (``jumpdsl.load(..., inference=True)``) against the hand-written eager
model in eval mode, for JumpNet and ResNet-50 at batch 1 and 32: the speedup is hand-written
time over jumpdsl's (above 1: jumpdsl is faster), and the same for the inference form under
torch.compile (inductor).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from bench_timing import interleaved
from jumpnet_torch import JumpNet
from resnet_torch import ResNet50
from torch import nn

import jumpdsl
from jumpdsl.api import check_file
from jumpdsl.backends.inference import inference_module

__all__ = [
    "CASES",
    "INFERENCE_CASES",
    "InferenceRow",
    "Row",
    "compare",
    "compare_inference",
    "flat_models",
]

SPECS = Path(__file__).resolve().parent.parent / "specs"
ZOO = SPECS.parent / "jumpdsl" / "zoo"
SPEC = SPECS / "jumpnet.jnet"

# (case, batch, target ratio)
CASES = [("eval forward", 1, 1.05), ("eval forward", 128, 1.02), ("train step", 128, 1.02)]


@dataclass
class Row:
    case: str
    batch: int
    mode: str
    hand_s: float
    jumpdsl_s: float
    target: float

    @property
    def ratio(self) -> float:
        return self.jumpdsl_s / self.hand_s

    @property
    def images_per_s(self) -> float:
        return self.batch / self.jumpdsl_s


def models(device: torch.device) -> tuple[nn.Module, nn.Module]:
    """The hand-written and the compiled JumpNet, holding the same weights."""
    generated = jumpdsl.load(SPEC, seed=0)
    hand = JumpNet()
    hand.load_state_dict(dict(zip(hand.state_dict(), generated.state_dict().values(), strict=True)))
    return hand.to(device), generated.to(device)


def flat_models(device: torch.device) -> tuple[nn.Module, nn.Module]:
    """The compiled JumpNet as one flat forward and as the module tree ``load`` returns, with
    the same weights: what the tree costs."""
    flat = jumpdsl.load(SPEC, seed=0, hierarchy=False)
    return flat.to(device), jumpdsl.load(SPEC, seed=0).to(device)


# (network, hand-written model, spec, input shape, batches); target: hand ÷ jumpdsl ≥ 1.3
INFERENCE_CASES = [
    ("JumpNet", JumpNet, SPEC, (3, 32, 32), (1, 32)),
    ("ResNet-50", ResNet50, ZOO / "resnet.jnet", (3, 224, 224), (1, 32)),
]
INFERENCE_TARGET = 1.3


@dataclass
class InferenceRow:
    network: str
    batch: int
    hand_s: float
    inference_s: float
    compiled_s: float | None

    @property
    def speedup(self) -> float:
        return self.hand_s / self.inference_s

    @property
    def compiled_speedup(self) -> float | None:
        return None if self.compiled_s is None else self.hand_s / self.compiled_s


def _with_statistics(module: nn.Module) -> nn.Module:
    """Batch-norm statistics as after training (fresh ones are the identity, which would make
    folding look free of error)."""
    generator = torch.Generator().manual_seed(0)
    for norm in module.modules():
        if isinstance(norm, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                norm.running_mean.copy_(torch.rand(norm.num_features, generator=generator) - 0.5)
                norm.running_var.copy_(torch.rand(norm.num_features, generator=generator) + 0.5)
    return module


def inference_models(
    hand_cls: type[nn.Module], spec: Path, device: torch.device
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """The hand-written model (eval) and jumpdsl's inference form, with the same weights, as
    run eagerly and in its portable form (for torch.compile)."""
    trained = _with_statistics(jumpdsl.load(spec, seed=0))
    hand = hand_cls()
    hand.load_state_dict(dict(zip(hand.state_dict(), trained.state_dict().values(), strict=True)))
    graph = check_file(spec).raise_for_errors()
    inference = inference_module(graph, weights=trained.state_dict(), device=device)
    portable = inference_module(graph, weights=trained.state_dict(), device=device, portable=True)
    return hand.eval().to(device), inference, portable


def compare_inference(
    device: torch.device, rounds: int, *, compiled: bool = True, quick: bool = False
) -> list[InferenceRow]:
    """One row per network and batch: hand-written eager, jumpdsl's inference form, and the
    inference form under torch.compile (``compiled``)."""
    rows = []
    for network, hand_cls, spec, shape, batches in INFERENCE_CASES:
        hand, inference, portable = inference_models(hand_cls, spec, device)
        fast = torch.compile(portable) if compiled else None
        for batch in batches[:1] if quick else batches:
            x = torch.randn(batch, *shape, device=device)
            # Several calls a round where one is short, so a busy machine averages out.
            calls = max(1, (32 if shape[1] <= 64 else 4) // batch)
            fns = {
                "hand": _eval_forward(hand, x, calls),
                "jumpdsl": _eval_forward(inference, x, calls),
            }
            if fast is not None:
                fns["compiled"] = _eval_forward(fast, x, calls)
            medians = interleaved(fns, rounds, warmup=2)
            compiled_s = medians["compiled"] / calls if fast is not None else None
            rows.append(
                InferenceRow(
                    network, batch, medians["hand"] / calls, medians["jumpdsl"] / calls, compiled_s
                )
            )
    return rows


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _eval_forward(model: nn.Module, x: torch.Tensor, calls: int) -> Callable[[], None]:
    def run() -> None:
        with torch.inference_mode():
            for _ in range(calls):
                model(x)
        _sync(x.device)

    return run


def _train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def run() -> None:
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        _sync(x.device)

    return run


def compare(
    device: torch.device,
    rounds: int,
    *,
    cases: list[tuple[str, int, float]] = CASES,
    compiled: bool = False,
    against_flat: bool = False,
) -> list[Row]:
    """One row per case: the median seconds per call of each model, and their ratio; with
    ``against_flat`` the flat jumpdsl module stands in for the hand-written one."""
    torch.manual_seed(0)
    hand, generated = flat_models(device) if against_flat else models(device)
    if compiled:
        hand, generated = torch.compile(hand), torch.compile(generated)
    rows = []
    for case, batch, target in cases:
        x = torch.randn(batch, 3, 32, 32, device=device)
        if case == "train step":
            y = torch.randint(0, 10, (batch,), device=device)
            hand.train(), generated.train()
            fns = {"hand": _train_step(hand, x, y), "jumpdsl": _train_step(generated, x, y)}
            calls = 1
        else:
            hand.eval(), generated.eval()
            calls = max(1, 64 // batch)  # batch 1: time 64 calls at once, not one 2 ms call
            fns = {
                "hand": _eval_forward(hand, x, calls),
                "jumpdsl": _eval_forward(generated, x, calls),
            }
        medians = interleaved(fns, rounds, warmup=2 if compiled else 1)
        mode = "torch.compile" if compiled else "eager"
        rows.append(
            Row(case, batch, mode, medians["hand"] / calls, medians["jumpdsl"] / calls, target)
        )
    return rows
