"""``jumpdsl export``: PyTorch source (.py), ONNX (.onnx) or a torch.export program (.pt2)."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from jumpdsl.cli.common import (
    EXIT_OK,
    UsageError,
    add_resource_options,
    add_spec_options,
    add_verb,
    check_spec,
    overrides,
    report,
    within_limits,
    write_output,
)
from jumpdsl.cli.extras import needs_train_extra
from jumpdsl.options import EXPORT_SUFFIXES

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    export = add_verb(
        sub,
        "export",
        "write PyTorch source (.py), ONNX (.onnx) or a torch.export program (.pt2)",
        "Write the network for use without jumpdsl: standalone PyTorch source (.py, an "
        "nn.Module class), ONNX (.onnx) or a torch.export program (.pt2); the suffix of -o "
        "picks. --checkpoint puts a trained run's weights and input normalisation inside.",
        [
            "jumpdsl export specs/jumpnet.jnet -o jumpnet.py     # PyTorch source",
            "jumpdsl export resnet50 -o r50.onnx --inference     # eval-only: BN folded",
            "jumpdsl export specs/digits.jnet --checkpoint runs/d/best.pt -o digits.pt2",
        ],
    )
    export.add_argument("file", metavar="FILE", help="a spec file, or a zoo model's name")
    export.add_argument(
        "-o", "--output", required=True, help="output file; the suffix picks the format"
    )
    export.add_argument(
        "--seed", type=int, default=None, help="seed for identical weights (default: random)"
    )
    export.add_argument(
        "--inference",
        action="store_true",
        help="the eval-only inference form: batch norms folded, no dropout, channels-last",
    )
    export.add_argument(
        "--checkpoint",
        metavar="PATH",
        help="a jumpdsl train checkpoint: its weights and input normalisation "
        "(.py: the weights in a .pt beside it)",
    )
    add_spec_options(export)
    add_resource_options(export)
    export.set_defaults(func=run)


@needs_train_extra("export --checkpoint")  # a checkpoint's normalisation is read with numpy
def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target = Path(args.output)
    if target.suffix.lower() not in EXPORT_SUFFIXES:
        raise UsageError(f"{target}: unknown format; end the name in {', '.join(EXPORT_SUFFIXES)}")
    trained = _trained(args.checkpoint) if args.checkpoint else None
    params = {**trained.params, **overrides(args.set)} if trained is not None else None
    result = within_limits(
        check_spec(args.file, args, params), args, batch=2
    )  # the check's forward
    status = report(result, err, args.max_errors)
    if status != EXIT_OK or result.graph is None:
        return status
    from jumpdsl.backends.export import ExportError, export_bytes

    origin = " ".join([args.file, *(f"--set {pair}" for pair in args.set)])
    inputs = [args.file, *([args.checkpoint] if trained else [])]
    sidecar = target.with_suffix(".pt")  # a trained .py's weights
    exporting = partial(
        export_bytes,
        result.graph,
        target.suffix,
        seed=args.seed,
        origin=origin,
        inference=args.inference,
        trained=trained,
        weights_file=sidecar.name,
    )
    weights = _sidecar(result.graph, trained, args) if target.suffix.lower() == ".py" else None
    if weights is not None and sidecar.resolve() in {Path(p).resolve() for p in inputs}:
        raise UsageError(
            f"{target}'s weights would go to {sidecar}, which is an input: choose another -o"
        )
    write_output(target, exporting, inputs, ExportError)
    if weights is not None:  # after the source, which is checked by running it
        write_output(sidecar, lambda: weights, inputs, ExportError)
        print(f"wrote {sidecar} (the trained weights {target.name} loads)", file=out)
    print(f"wrote {target}", file=out)
    return EXIT_OK


def _sidecar(graph: Any, trained: Any, args: argparse.Namespace) -> bytes | None:
    """The weights file a trained .py export loads; None without a checkpoint."""
    if trained is None:
        return None
    from jumpdsl.backends.export import ExportError, trained_weights
    from jumpdsl.train.checkpoint import CheckpointError

    try:
        return trained_weights(graph, trained, inference=args.inference, seed=args.seed)
    except (ExportError, CheckpointError) as exc:
        raise UsageError(str(exc)) from None


def _trained(path: str) -> Any:
    from jumpdsl.backends.trained import read_trained
    from jumpdsl.train.checkpoint import CheckpointError

    try:
        return read_trained(path)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
