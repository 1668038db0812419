"""The compiled JumpNet against the hand-written one: same weights, same inputs, interleaved.

Cases: eval forward at batch 1 and 128, one training step (forward, cross-entropy, backward,
SGD with momentum) at batch 128. With ``compiled=True`` both models go through torch.compile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from bench_timing import interleaved
from jumpnet_torch import JumpNet
from torch import nn

import jumpdsl

__all__ = ["CASES", "Row", "compare"]

SPEC = Path(__file__).resolve().parent.parent / "specs" / "jumpnet.jnet"

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
) -> list[Row]:
    """One row per case: the median seconds per call of each model, and their ratio."""
    torch.manual_seed(0)
    hand, generated = models(device)
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
