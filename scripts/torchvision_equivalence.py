"""Copy torchvision's weights and buffers into the zoo's compiled specs, in order, and compare
every layer's output with torchvision's: the check that the zoo builds torchvision's networks,
by value and not only by shape.

Run with the environment that has torchvision (/work/tvenv here; see
scripts/torchvision_reference.py) plus jumpdsl's pure-Python dependencies, from the repository
root:

    /work/tvenv/bin/pip install lark networkx graphviz
    /work/tvenv/bin/python scripts/torchvision_equivalence.py              # every zoo spec
    /work/tvenv/bin/python scripts/torchvision_equivalence.py resnet50 densenet121
    /work/tvenv/bin/python scripts/torchvision_equivalence.py --spec jumpdsl/zoo/resnet.jnet \\
        --set depth=101 --model resnet101
    /work/tvenv/bin/python scripts/torchvision_equivalence.py inception_v3 --input 3,299,299 \\
        --kwargs '{"aux_logits": false, "init_weights": false}'
    ... --no-layers          # the logits only, as before
    ... --json               # one JSON record per model

BN running statistics and every norm's affine weight and bias are randomised first (in
torchvision's model, before the copy), so the buffers have to map too. Each torchvision module
that owns tensors is paired with the jumpdsl module that received them, and their outputs are
compared in execution order: relative max |diff| = max|a − b| / max|b|. Prints the first layer
over 1e-5 (names on both sides, shapes, difference), the worst layer and the outputs' difference;
exits 1 when a layer or an output is over 1e-5. The comparison itself is
jumpdsl.backends.equivalence (plain torch, tested in tests/test_equivalence.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch
import torchvision

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # jumpdsl from this checkout, without installing it here

from jumpdsl.api import check_file  # noqa: E402
from jumpdsl.backends.equivalence import (  # noqa: E402
    TOLERANCE,
    Comparison,
    compare_layers,
    randomise_norms,
)
from jumpdsl.backends.torch_fx import build_module  # noqa: E402
from jumpdsl.cli.common import overrides  # noqa: E402  (--set as the CLI reads it)
from jumpdsl.zoo import ZOO, names  # noqa: E402


def compare(
    spec: Path,
    model: str,
    params: dict[str, Any],
    kwargs: dict[str, Any],
    shape: tuple[int, ...],
    layers: bool,
) -> Comparison:
    graph = check_file(spec, params or None).raise_for_errors()
    ours = build_module(graph)
    theirs = torchvision.models.get_model(model, weights=None, **kwargs)
    randomise_norms(theirs)
    example = torch.randn(2, *shape)
    return compare_layers(ours, theirs, example, tolerance=TOLERANCE, layers=layers)


def report(name: str, found: Comparison) -> list[str]:
    lines = [
        f"{name}: params {found.params_ours:,} (torchvision {found.params_theirs:,}), "
        f"{found.layers_compared} layers compared, outputs {found.worst_output:.3g}"
    ]
    worst, first = found.worst_layer, found.first_failure
    if worst is not None:
        lines.append(f"  worst layer: {worst.describe()}")
    if first is not None:
        lines.append(f"  FIRST LAYER OVER {found.tolerance:g}: {first.describe()}")
    lines += [f"  output: {d.describe()}" for d in found.outputs if d.skipped]
    lines += [f"  skipped: {d.describe()}" for d in found.layers if d.skipped]
    lines += [f"  not run in torchvision: {n}" for n in found.unfired]
    return lines


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="zoo specs, each against the same-named model")
    parser.add_argument("--spec", type=Path, help="a spec file (instead of names)")
    parser.add_argument("--model", help="torchvision's model name (default: the spec's name)")
    parser.add_argument("--set", action="append", default=[], metavar="K=V", dest="sets")
    parser.add_argument("--input", default="3,224,224", help="input shape without the batch")
    parser.add_argument("--kwargs", default="{}", help="JSON: torchvision constructor kwargs")
    parser.add_argument("--layers", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", action="store_true", help="one JSON record a line")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    shape = tuple(int(n) for n in args.input.split(","))
    kwargs = json.loads(args.kwargs)
    params = overrides(args.sets)
    if args.spec is not None:
        jobs = [(args.spec, args.model or args.spec.stem)]
    else:
        jobs = [(ZOO / f"{n}.jnet", args.model or n) for n in args.names or names()]
    failed = False
    for spec, model in jobs:
        if model not in torchvision.models.list_models():
            print(f"{spec.stem}: no torchvision model '{model}' (--model?), skipped", flush=True)
            continue
        torch.manual_seed(args.seed)
        found = compare(spec, model, params, kwargs, shape, args.layers)
        failed |= not found.ok
        if args.json:
            record = {"spec": str(spec), "set": params, "model": model, "kwargs": kwargs}
            print(json.dumps({**record, **found.record()}, default=str), flush=True)
        else:
            print("\n".join(report(f"{spec.stem} ↔ {model}", found)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
