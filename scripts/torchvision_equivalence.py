"""Copy torchvision's weights and buffers into the zoo's compiled specs, in order, and compare
every layer's output with torchvision's: the check that the zoo builds torchvision's networks,
by value and not only by shape.

Run with the environment that has torchvision (/work/tvenv here; see
scripts/torchvision_reference.py) plus jumpdsl's pure-Python dependencies, from the repository
root:

    /work/tvenv/bin/pip install lark networkx graphviz
    /work/tvenv/bin/python scripts/torchvision_equivalence.py              # every zoo name
    /work/tvenv/bin/python scripts/torchvision_equivalence.py resnet50 densenet161
    /work/tvenv/bin/python scripts/torchvision_equivalence.py --spec jumpdsl/zoo/resnet.jnet \\
        --set depth=101 --model resnet101
    /work/tvenv/bin/python scripts/torchvision_equivalence.py inception_v3 --input 3,299,299 \\
        --kwargs '{"aux_logits": false, "init_weights": false}'
    ... --no-layers          # the outputs only, as before
    ... --json               # one JSON record per model

A zoo name is its spec with its variant's parameters (jumpdsl.zoo.VARIANTS), against the
torchvision model of the same name; --set goes over them. --input defaults to the spec's
input, --kwargs to KWARGS below for that name, with the spec's `classes` as num_classes.

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
from jumpdsl.zoo import names, spec_and_params  # noqa: E402

# torchvision's constructor arguments for a zoo name, where its defaults are not the spec's:
# no aux heads, no pretrained backbone (nothing is downloaded), no init warnings
KWARGS: dict[str, dict[str, Any]] = {
    "googlenet": {"aux_logits": False, "init_weights": True},
    "inception_v3": {"aux_logits": False, "init_weights": True},
    "fcn_resnet50": {"num_classes": 21, "aux_loss": False, "weights_backbone": None},
    "deeplabv3_resnet50": {"num_classes": 21, "aux_loss": False, "weights_backbone": None},
}


def compare(
    spec: Path,
    model: str,
    params: dict[str, Any],
    kwargs: dict[str, Any],
    shape: tuple[int, ...] | None = None,
    layers: bool = True,
) -> Comparison:
    """The spec (with ``params``) against torchvision's ``model`` (with ``kwargs``; the spec's
    ``classes`` as ``num_classes`` unless given), on a batch of 2 of ``shape`` (default: the
    spec's input)."""
    graph = check_file(spec, params or None).raise_for_errors()
    ours = build_module(graph)
    if "classes" in graph.params:
        kwargs = {"num_classes": graph.params["classes"], **kwargs}
    theirs = torchvision.models.get_model(model, weights=None, **kwargs)
    randomise_norms(theirs)
    example = torch.randn(2, *(shape or graph.input_shape))
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
    if found.unfired:  # modules whose tensors torchvision reads functionally (F.linear)
        shown = ", ".join(found.unfired[:3]) + (", …" if len(found.unfired) > 3 else "")
        lines.append(f"  {len(found.unfired)} never called in torchvision: {shown}")
    return lines


def _shown(spec: Path) -> str:
    """The spec's path from the repository root where it is inside it."""
    full = spec.resolve()
    return full.relative_to(ROOT).as_posix() if full.is_relative_to(ROOT) else str(spec)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="zoo specs, each against the same-named model")
    parser.add_argument("--spec", type=Path, help="a spec file (instead of names)")
    parser.add_argument("--model", help="torchvision's model name (default: the spec's name)")
    parser.add_argument("--set", action="append", default=[], metavar="K=V", dest="sets")
    parser.add_argument("--input", help="input shape without the batch (default: the spec's)")
    parser.add_argument("--kwargs", help="JSON: torchvision's constructor arguments")
    parser.add_argument("--layers", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", action="store_true", help="one JSON record a line")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    shape = tuple(int(n) for n in args.input.split(",")) if args.input else None
    params = overrides(args.sets)
    if args.spec is not None:
        jobs = [(args.spec.stem, args.spec, params, args.model or args.spec.stem)]
    else:  # zoo names: a variant is its family's file with the variant's parameters
        jobs = [(n, *spec_and_params(n, params), args.model or n) for n in args.names or names()]
    failed = False
    for name, spec, values, model in jobs:
        if model not in torchvision.models.list_models():
            print(f"{name}: no torchvision model '{model}' (--model?), skipped", file=sys.stderr)
            continue
        torch.manual_seed(args.seed)
        kwargs = json.loads(args.kwargs) if args.kwargs else KWARGS.get(model, {})
        found = compare(spec, model, values, kwargs, shape, args.layers)
        failed |= not found.ok
        if args.json:
            record = {"name": name, "spec": _shown(spec), "set": values, "model": model}
            record = {**record, "kwargs": kwargs, **found.record()}
            print(json.dumps(record, default=str, ensure_ascii=False), flush=True)
        else:
            print("\n".join(report(f"{name} ↔ {model}", found)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
