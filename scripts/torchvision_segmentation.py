"""Copy torchvision's segmentation models' parameters and buffers (BN statistics and affine
randomised first) into the zoo's fcn_resnet50 and deeplabv3_resnet50, in order, and compare
every conv's and every BN's output (in call order) and both outputs (``out``, ``aux``): the
largest relative difference (max |ours - theirs| / max |theirs|) per model, with aux off and on.

Run with the environment that has torchvision (see scripts/torchvision_reference.py), from the
repository root:

    /work/tvenv/bin/python scripts/torchvision_segmentation.py [--size 264] [fcn_resnet50 ...]

Exits 1 when a difference is above 1e-5 or a count differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import fx, nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # jumpdsl from this checkout, without installing it here

from jumpdsl.api import check_file  # noqa: E402
from jumpdsl.backends.torch_fx import build_module  # noqa: E402

MODELS = ("fcn_resnet50", "deeplabv3_resnet50")
LAYERS = {"conv": nn.Conv2d, "bn": nn.BatchNorm2d}


class _Recorder(fx.Interpreter):
    """Runs our flat module, keeping each conv's and BN's output in order."""

    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.seen: dict[str, list[torch.Tensor]] = {kind: [] for kind in LAYERS}

    def run_node(self, n: fx.Node) -> Any:
        value = super().run_node(n)
        kind = n.meta.get("jumpdsl_op")
        if n.op == "call_module" and kind in self.seen:
            self.seen[kind].append(value.detach().clone())
        return value


def _randomise(model: nn.Module) -> None:
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.uniform_(0.5, 1.5)
            module.bias.uniform_(-0.1, 0.1)


def compare(name: str, aux: bool, size: int) -> float:
    """The largest relative difference over every conv, BN and output; prints the figures."""
    torch.manual_seed(0)
    spec = ROOT / "jumpdsl" / "zoo" / f"{name}.jnet"
    ours = build_module(check_file(spec, {"aux": aux, "size": size}).raise_for_errors()).eval()
    theirs = torchvision.models.get_model(
        name, weights=None, weights_backbone=None, aux_loss=aux
    ).eval()
    seen: dict[str, list[torch.Tensor]] = {kind: [] for kind in LAYERS}
    with torch.no_grad():
        _randomise(theirs)
        for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
            a.copy_(b)
        for a, b in zip(ours.buffers(), theirs.buffers(), strict=True):
            a.copy_(b)
    for module in theirs.modules():
        for kind, cls in LAYERS.items():
            if isinstance(module, cls):
                module.register_forward_hook(
                    lambda m, i, o, kind=kind: seen[kind].append(o.detach().clone())
                )
    x = torch.randn(1, 3, size, size)
    recorder = _Recorder(ours)
    with torch.no_grad():
        want, got = theirs(x), recorder.run(x)
    got = got if isinstance(got, dict) else {"out": got}
    worst = 0.0 if list(got) == list(want) else float("inf")
    pairs = [
        (a, b) for kind in LAYERS for a, b in zip(recorder.seen[kind], seen[kind], strict=False)
    ]
    pairs += [(got[k], want[k]) for k in want if k in got]
    for kind in LAYERS:
        if len(recorder.seen[kind]) != len(seen[kind]):
            worst = float("inf")
    for a, b in pairs:
        worst = max(worst, float((a - b).abs().max() / b.abs().max()))
    params = [sum(p.numel() for p in m.parameters() if p.requires_grad) for m in (ours, theirs)]
    print(
        f"{name} aux={aux}: params {params[0]:,} (torchvision {params[1]:,}); "
        f"{len(seen['conv'])} convs, {len(seen['bn'])} BNs, outputs {list(want)}: "
        f"largest relative difference {worst:.3g}",
        flush=True,
    )
    return worst if params[0] == params[1] else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(MODELS))
    parser.add_argument("--size", type=int, default=264, help="input side, a multiple of 8")
    args = parser.parse_args()
    worst = max(compare(m, aux, args.size) for m in args.models for aux in (False, True))
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
