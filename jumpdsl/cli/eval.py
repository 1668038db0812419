"""``jumpdsl eval``: test a trained checkpoint."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from jumpdsl.cli.common import (
    EXIT_OK,
    UsageError,
    add_spec_options,
    add_verb,
    check_spec,
    overrides,
    report,
)
from jumpdsl.cli.device import add_device_options, make_runtime, wants_cuda
from jumpdsl.cli.extras import needs_train_extra

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_verb(
        sub,
        "eval",
        "test a trained checkpoint",
        "Test a checkpoint of 'jumpdsl train' on the test split of its data set (or of "
        "--data), with the network parameters and normalisation it was trained with.",
        [
            "jumpdsl eval specs/digits.jnet --checkpoint runs/digits/best.pt",
            "jumpdsl eval specs/jumpnet.jnet --checkpoint runs/c10/best.pt --json",
        ],
    )
    p.add_argument("file", metavar="SPEC", help="the spec that was trained")
    p.add_argument("--checkpoint", required=True, metavar="FILE", help="best.pt or last.pt")
    p.add_argument("--data", help="the data set (default: the one it was trained on)")
    p.add_argument("--json", action="store_true", help="the result as one JSON object")
    add_device_options(p)
    add_spec_options(p)
    p.set_defaults(func=run)


@needs_train_extra("eval")
def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.train.accel import threads_kept
    from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint
    from jumpdsl.train.dataset import DataError
    from jumpdsl.train.evaluate import evaluate_checkpoint

    wants_cuda(args.device)  # a device this torch cannot use is said first
    try:
        state = load_checkpoint(args.checkpoint)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    params = {**state["params"], **overrides(args.set)}
    checked = check_spec(args.file, args, params)
    status = report(checked, err, args.max_errors)
    if status != EXIT_OK or checked.graph is None:
        return status
    with threads_kept():
        runtime = make_runtime(args, checked.graph, 0, 1)
        try:
            result = evaluate_checkpoint(checked.graph, state, args.data or state["data"], runtime)
        except (DataError, CheckpointError) as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result, indent=2), file=out)
    else:
        print(
            f"{args.checkpoint} on {result['data']} test: accuracy {result['acc']:.2%}, "
            f"loss {result['loss']:.4f}, {result['images']} images",
            file=out,
        )
    return EXIT_OK
