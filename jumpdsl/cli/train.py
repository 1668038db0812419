"""``jumpdsl train``: train a spec on a data set (``torchrun`` for DDP); the glue to
:mod:`jumpdsl.train.run`. Registering the verb imports no torch."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, TextIO

from jumpdsl.api import Checked
from jumpdsl.cli.common import (
    EXIT_INTERRUPT,
    EXIT_OK,
    UsageError,
    add_resource_options,
    add_spec_options,
    add_verb,
    check_spec,
    overrides,
    report,
    within_limits,
)
from jumpdsl.cli.device import add_device_options, make_runtime, wants_cuda
from jumpdsl.cli.extras import needs_train_extra
from jumpdsl.cli.interrupt import EXIT_TERMINATED, Terminated, stop_on_sigterm, stopped
from jumpdsl.train.settings import AUGMENTS, OPTIMIZERS, RECIPES, SCHEDULES, Settings, resolve

__all__ = ["register", "run"]

# option → (type, help); all default to None so the recipe's value stands unless one is given
RECIPE_OPTIONS: dict[str, tuple[Any, str]] = {
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
    p = add_verb(
        sub,
        "train",
        "train a spec on a data set (torchrun for DDP)",
        "Train a spec on a data set with a recipe (optimizer, schedule, augmentation, epochs), "
        "writing checkpoints (best.pt, last.pt), a log and curves to --out. Options left out "
        "come from --recipe. Needs the 'train' extra: pip install 'jumpdsl[train]'.",
        [
            "jumpdsl train specs/digits.jnet --data digits --out runs/digits",
            "jumpdsl train specs/jumpnet.jnet --data cifar10:data/ --out runs/c10 --epochs 30",
            "jumpdsl train specs/digits.jnet --out runs/digits --resume   # continue a run",
        ],
    )
    p.add_argument("file", metavar="SPEC", help="the spec to train (a file or a zoo name)")
    p.add_argument(
        "--data",
        help="cifar10:DIR, folder:DIR (DIR/train/CLASS/*.png, DIR/val/…), digits, synthetic[:N]",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="the run folder")
    p.add_argument(
        "--recipe",
        default=None,  # None: not given, so that --resume can tell a changed recipe
        choices=tuple(RECIPES),
        help="the settings of the options left out (docs/training.md; default: default)",
    )
    for name, (kind, text) in RECIPE_OPTIONS.items():
        p.add_argument(f"--{name}", type=kind, default=None, help=f"{text} (default: the recipe's)")
    p.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=None,
        help="the optimizer (default: the recipe's)",
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=None,
        help="the learning-rate schedule (default: the recipe's)",
    )
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
    add_device_options(p)
    add_spec_options(p)
    add_resource_options(p)
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace, state: dict[str, Any] | None) -> Settings:
    given = _given(args)
    if state is not None:  # a resumed run keeps its recipe; only --epochs may extend it
        try:
            saved = Settings.from_json(state["settings"])
        except ValueError as exc:
            raise UsageError(f"--resume: {exc}") from None
        _refuse_changes(given, saved)
        return dataclasses.replace(saved, epochs=args.epochs or saved.epochs)
    try:
        options = {k: v for k, v in given.items() if k != "recipe"}
        return resolve(args.recipe or "default", options)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The recipe options given on the command line (None: not given)."""
    given = {"recipe": args.recipe}
    given |= {
        name.replace("-", "_"): getattr(args, name.replace("-", "_"))
        for name in (*RECIPE_OPTIONS, "optimizer", "schedule", "augment", "normalize")
    }
    given["step_at"] = None if args.step_at is None else _epochs(args.step_at)
    return given


def _refuse_changes(given: dict[str, Any], saved: Settings) -> None:
    """A resumed run goes on as it was saved: an option that would change it is refused by name
    (silently ignoring it would train something the user did not ask for)."""
    changed = [
        f"--{name.replace('_', '-')} {_shown(value)} (the run has {_shown(getattr(saved, name))})"
        for name, value in given.items()
        if name != "epochs" and value is not None and value != getattr(saved, name)
    ]
    if changed:
        raise UsageError(
            f"--resume goes on with the run's own settings, and {', '.join(changed)} would "
            "change them; only --epochs may. Leave them out, or start a new run with another --out"
        )


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    return str(value)


def _epochs(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--step-at expects epochs like 10,20, got '{text}'") from None


def _data(args: argparse.Namespace, state: dict[str, Any] | None) -> str:
    if state is not None and args.data not in (None, state["data"]):
        raise UsageError(
            f"--resume goes on with the run's data, {state['data']}, not --data {args.data}: "
            "leave --data out, or start a new run with another --out"
        )
    data = args.data or (state["data"] if state else None)
    if not data:
        raise UsageError(
            "say what to train on: --data cifar10:DIR, folder:DIR, digits or synthetic"
        )
    return str(data)


def _params(args: argparse.Namespace, state: dict[str, Any] | None) -> dict[str, Any]:
    given = overrides(args.set)
    saved = state["params"] if state else {}
    changed = [f"--set {k}={v!r}" for k, v in given.items() if k in saved and saved[k] != v]
    changed += [f"--set {k}={v!r}" for k, v in given.items() if state and k not in saved]
    if changed:
        raise UsageError(
            f"--resume goes on with the run's own network, and {', '.join(changed)} would "
            "change it. Leave it out, or start a new run with another --out"
        )
    return {**saved, **given}


def _previous_run(args: argparse.Namespace) -> dict[str, Any] | None:
    from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out {args.out}: a file is there, not a folder")
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


@needs_train_extra("train")
def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    state = _previous_run(args)
    settings = _settings(args, state)
    data = _data(args, state)
    params = _params(args, state)
    checked = check_spec(args.file, args, params)
    checked = within_limits(checked, args, batch=settings.batch_size, training=True)
    status = report(checked, err, args.max_errors)
    if status != EXIT_OK or checked.graph is None:
        return status
    from jumpdsl.train import distributed
    from jumpdsl.train.accel import threads_kept

    group = distributed.join(wants_cuda(args.device))
    try:
        with threads_kept():
            code = _train(args, checked, params, data, settings, state, group, out, err)
        distributed.leave(group, together=code == EXIT_OK)
        return code
    finally:
        distributed.leave(group)  # after an error: at once (a no-op when left above)


def _train(
    args: argparse.Namespace,
    checked: Checked,
    params: dict[str, Any],
    data: str,
    settings: Settings,
    state: dict[str, Any] | None,
    group: Any,
    out: TextIO,
    err: TextIO,
) -> int:
    from jumpdsl.train.checkpoint import CheckpointError
    from jumpdsl.train.dataset import DataError
    from jumpdsl.train.progress import Console
    from jumpdsl.train.run import Job, Quiet, train

    assert checked.graph is not None
    job = Job(
        spec=checked.path,
        graph=checked.graph,
        params=params,
        data=data,
        sources={path: source.text for path, source in checked.sources.items()},
        out=Path(args.out),
        settings=settings,
        runtime=make_runtime(args, checked.graph, group.local_rank, group.world),
        group=group,
        state=state,
    )
    bar = err.isatty() if args.progress is None else args.progress
    reporter = Console(out, err, bar=bar) if group.main else Quiet()
    try:
        with stop_on_sigterm():
            results = train(job, reporter)
    except (DataError, CheckpointError) as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as Terminated
        if isinstance(reporter, Console):
            reporter.close()
            print(stopped(exc, args, job.out), file=err, flush=True)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPT
    finally:
        if isinstance(reporter, Console):
            reporter.close()
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
