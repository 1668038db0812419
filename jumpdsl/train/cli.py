"""``jumpdsl train`` and ``jumpdsl eval``: options, and the glue to :mod:`jumpdsl.train.run`.

Registering the commands imports no torch (``check`` and ``draw`` build the same parser).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, TextIO

from jumpdsl.cli import EXIT_OK, UsageError, _add_spec_options, _overrides, _report
from jumpdsl.train.settings import AUGMENTS, OPTIMIZERS, RECIPES, SCHEDULES, Settings, resolve

__all__ = ["cmd_eval", "cmd_train", "register"]

# option → (type, help); all default to None so the recipe's value stands unless one is given
_RECIPE_OPTIONS: dict[str, tuple[Any, str]] = {
    "epochs": (int, "maximum number of epochs"),
    "batch-size": (int, "global batch (split among DDP processes)"),
    "lr": (float, "peak learning rate"),
    "weight-decay": (float, "L2 on conv and dense kernels (coupled: grad += wd·w)"),
    "label-smoothing": (float, "label smoothing of the cross-entropy"),
    "warmup-epochs": (float, "linear warmup before the schedule"),
    "val-split": (float, "share of the training images held out for validation (0: use test)"),
    "patience": (int, "stop after this many epochs without a better validation accuracy"),
    "lottery": (int, "candidates of the seed's initial draw (0: none)"),
    "seed": (int, "seed of weights, order and augmentation"),
}


def register(sub: Any) -> None:
    """Add the ``train`` and ``eval`` commands to the CLI's subparsers."""
    _train_parser(sub)
    _eval_parser(sub)


def _train_parser(sub: Any) -> None:
    p = sub.add_parser("train", help="train a spec on a data set (torchrun for DDP)")
    p.add_argument("file", metavar="SPEC")
    p.add_argument("--data", help="cifar10:DIR, digits or synthetic[:N] (on --resume: as before)")
    p.add_argument("--out", required=True, metavar="DIR", help="the run folder")
    p.add_argument("--recipe", default="default", choices=tuple(RECIPES))
    for name, (kind, text) in _RECIPE_OPTIONS.items():
        p.add_argument(f"--{name}", type=kind, default=None, help=text)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=None)
    p.add_argument("--schedule", choices=SCHEDULES, default=None)
    p.add_argument("--step-at", default=None, metavar="E[,E…]", help="epochs of the lr ÷10 steps")
    p.add_argument(
        "--augment",
        nargs="?",
        const="crop+flip",
        choices=AUGMENTS,
        default=None,
        help="augmentation (alone: crop+flip)",
    )
    p.add_argument(
        "--normalize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="per-channel mean/std instead of pixels in [0, 1]",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars (default: when stderr is a terminal)",
    )
    _add_device_options(p)
    _add_spec_options(p)
    p.set_defaults(func=cmd_train)


def _eval_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="test a trained checkpoint")
    p.add_argument("file", metavar="SPEC")
    p.add_argument("--checkpoint", required=True, metavar="FILE", help="best.pt or last.pt")
    p.add_argument("--data", help="the data set (default: the one it was trained on)")
    p.add_argument("--json", action="store_true", help="the result as one JSON object")
    _add_device_options(p)
    _add_spec_options(p)
    p.set_defaults(func=cmd_eval)


def _add_device_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, … (default: auto)")
    p.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "bf16", "fp32"),
        help="auto: bf16 autocast on CUDA, fp32 on CPU",
    )
    p.add_argument("--no-torch-compile", action="store_true", help="stay eager on CUDA too")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: one a core)")


# ---------------------------------------------------------------- train


def _settings(args: argparse.Namespace, state: dict[str, Any] | None) -> Settings:
    if state is not None:  # a resumed run keeps its recipe; only --epochs may extend it
        saved = Settings.from_json(state["settings"])
        return dataclasses.replace(saved, epochs=args.epochs or saved.epochs)
    given = {
        name.replace("-", "_"): getattr(args, name.replace("-", "_"))
        for name in (*_RECIPE_OPTIONS, "optimizer", "schedule", "augment", "normalize")
    }
    if args.step_at is not None:
        given["step_at"] = _epochs(args.step_at)
    try:
        return resolve(args.recipe, given)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _epochs(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--step-at expects epochs like 10,20, got '{text}'") from None


def _previous_run(args: argparse.Namespace) -> dict[str, Any] | None:
    from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint

    last = Path(args.out) / "last.pt"
    if not args.resume:
        if last.exists():
            raise UsageError(
                f"{args.out} holds a run already: add --resume, or choose another --out"
            )
        return None
    try:
        return load_checkpoint(last)
    except CheckpointError as exc:
        raise UsageError(f"--resume: {exc}") from None


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    state = _previous_run(args)
    settings = _settings(args, state)
    data = args.data or (state["data"] if state else None)
    if not data:
        raise UsageError("say what to train on: --data cifar10:DIR, digits or synthetic")
    params = {**(state["params"] if state else {}), **_overrides(args.set)}
    checked = _check_spec(args, params, err)
    if isinstance(checked, int):
        return checked
    from jumpdsl.train import distributed
    from jumpdsl.train.accel import threads_kept

    group = distributed.join(_wants_cuda(args.device))
    try:
        with threads_kept():
            return _train(args, checked, params, data, settings, state, group, out, err)
    finally:
        distributed.leave(group)


def _check_spec(args: argparse.Namespace, params: dict[str, Any], err: TextIO) -> Any:
    """The checked spec, or the exit code its diagnostics call for."""
    from jumpdsl.api import check_file
    from jumpdsl.ir.lower import Limits

    result = check_file(args.file, params, limits=Limits(max_nodes=args.max_nodes))
    status = _report(result, err)
    return status if status != EXIT_OK or result.graph is None else result


def _wants_cuda(device: str) -> bool:
    import torch

    return device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())


def _runtime(args: argparse.Namespace, graph: Any, local_rank: int, world: int) -> Any:
    from jumpdsl.train.accel import make_runtime

    device = args.device
    if world > 1 and _wants_cuda(device):
        device = f"cuda:{local_rank}"  # one GPU per process
    try:
        compile_ = False if args.no_torch_compile else None
        macs = sum(data.get("macs", 0) for _, data in graph.nodes(data=True))
        return make_runtime(device, args.precision, compile_, threads=args.threads, macs=macs)
    except (ValueError, RuntimeError) as exc:
        raise UsageError(str(exc)) from None


def _train(
    args: argparse.Namespace,
    checked: Any,
    params: dict[str, Any],
    data: str,
    settings: Settings,
    state: dict[str, Any] | None,
    group: Any,
    out: TextIO,
    err: TextIO,
) -> int:
    from jumpdsl.train.checkpoint import CheckpointError
    from jumpdsl.train.data import DataError
    from jumpdsl.train.progress import Console
    from jumpdsl.train.run import Job, Quiet, train

    job = Job(
        spec=checked.path,
        graph=checked.graph,
        params=params,
        data=data,
        sources={path: source.text for path, source in checked.sources.items()},
        out=Path(args.out),
        settings=settings,
        runtime=_runtime(args, checked.graph, group.local_rank, group.world),
        group=group,
        state=state,
    )
    bar = err.isatty() if args.progress is None else args.progress
    reporter = Console(out, err, bar=bar) if group.main else Quiet()
    try:
        results = train(job, reporter)
    except (DataError, CheckpointError) as exc:
        raise UsageError(str(exc)) from None
    if group.main:
        _summary(results, job.out, out)
    return EXIT_OK


def _summary(results: dict[str, Any], folder: Path, out: TextIO) -> None:
    epochs = f"{results['epochs']} epoch{'s' if results['epochs'] != 1 else ''}"
    print(
        f"test accuracy {results['test_acc']:.2%} (loss {results['test_loss']:.4f}, "
        f"{results['test_images']} images) with the weights of epoch {results['best_epoch']} "
        f"(validation {results['best_val_acc']:.2%}); {epochs} in "
        f"{results['train_seconds']:.1f} s. Results in {folder}/",
        file=out,
    )


# ---------------------------------------------------------------- eval


def cmd_eval(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from jumpdsl.train.accel import threads_kept
    from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint
    from jumpdsl.train.data import DataError
    from jumpdsl.train.evaluate import evaluate_checkpoint

    try:
        state = load_checkpoint(args.checkpoint)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    params = {**state["params"], **_overrides(args.set)}
    checked = _check_spec(args, params, err)
    if isinstance(checked, int):
        return checked
    with threads_kept():
        runtime = _runtime(args, checked.graph, 0, 1)
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
