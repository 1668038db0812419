"""Copy torchvision's weights and buffers into the zoo's compiled specs, in order, and compare
the outputs: the check that the parameter tensors map one to one, by value and not only by shape.

Run with the environment that has torchvision (see scripts/torchvision_reference.py) plus
jumpdsl's pure-Python dependencies, from the repository root:

    /tmp/tvenv/bin/pip install lark graphviz
    /tmp/tvenv/bin/python scripts/torchvision_equivalence.py [resnet50 ...]

Prints the largest absolute difference of the logits per model (0.0 when they agree exactly)
and exits 1 when one is above 1e-4. BN running statistics are randomised first, so the buffers
have to map too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import torchvision

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # jumpdsl from this checkout, without installing it here

from jumpdsl.api import check_file  # noqa: E402
from jumpdsl.backends.torch_fx import build_module  # noqa: E402

# The models of the reference data: the ten torchvision models of the zoo.
REFERENCE = ROOT / "tests" / "data" / "torchvision_reference.json"
REFERENCE_MODELS = json.loads(REFERENCE.read_text(encoding="utf-8"))["models"]
MODELS = list(REFERENCE_MODELS)
# torchvision's arguments for the spec's form: GoogLeNet and Inception-v3 without aux heads
WITHOUT_AUX = {"aux_logits": False, "init_weights": True}
TORCHVISION_KWARGS = {"googlenet": WITHOUT_AUX, "inception_v3": WITHOUT_AUX}
# torchvision's models that are one zoo spec with --set values: name → (spec, values)
VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "mobilenet_v3_large": ("mobilenet_v3", {}),
    "mobilenet_v3_small": ("mobilenet_v3", {"small": True}),
    "mnasnet0_5": ("mnasnet", {"alpha": 0.5}),
    "mnasnet0_75": ("mnasnet", {"alpha": 0.75}),
    "mnasnet1_0": ("mnasnet", {}),
    "mnasnet1_3": ("mnasnet", {"alpha": 1.3}),
    "squeezenet1_0": ("squeezenet", {}),
    "squeezenet1_1": ("squeezenet", {"version": 1.1}),
    "shufflenet_v2_x0_5": ("shufflenet", {"stages": [(48, 4), (96, 8), (192, 4)]}),
    "shufflenet_v2_x1_0": ("shufflenet", {}),
    "shufflenet_v2_x1_5": ("shufflenet", {"stages": [(176, 4), (352, 8), (704, 4)]}),
    "shufflenet_v2_x2_0": ("shufflenet", {"stages": [(244, 4), (488, 8), (976, 4)], "last": 2048}),
    "regnet_x_400mf": ("regnet", {}),
    "regnet_y_400mf": (
        "regnet",
        {"depth": 16, "w_0": 48, "w_a": 27.89, "w_m": 2.09, "group_width": 8, "se_ratio": 0.25},
    ),
}


def largest_difference(name: str) -> float:
    spec, values = VARIANTS.get(name, (name, {}))
    graph = check_file(ROOT / "jumpdsl" / "zoo" / f"{spec}.jnet", values).raise_for_errors()
    ours = build_module(graph).eval()
    kwargs = TORCHVISION_KWARGS.get(name, {})
    theirs = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    with torch.no_grad():
        for module in theirs.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
        for mine, reference in zip(ours.parameters(), theirs.parameters(), strict=True):
            mine.copy_(reference)
        for mine, reference in zip(ours.buffers(), theirs.buffers(), strict=True):
            mine.copy_(reference)
        x = torch.randn(2, *REFERENCE_MODELS[name].get("input", [3, 224, 224]))
        return float((ours(x) - theirs(x)).abs().max())


def main() -> int:
    torch.manual_seed(0)
    worst = 0.0
    for name in sys.argv[1:] or MODELS:
        difference = largest_difference(name)
        worst = max(worst, difference)
        print(f"{name}: largest difference {difference:.3g}", flush=True)
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
