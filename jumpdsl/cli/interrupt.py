"""A training run stopped by Ctrl-C (SIGINT, exit 130) or SIGTERM (exit 143): the checkpoints
are whole (written atomically), so the user is told which epoch they hold and the command that
goes on from there."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

__all__ = ["EXIT_TERMINATED", "Terminated", "resume_command", "stop_on_sigterm", "stopped"]

EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process SIGTERM ended


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so it unwinds like Ctrl-C (files closed, bars off)."""


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (signals reach the main thread
    only; elsewhere the block changes nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    before = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def resume_command(args: argparse.Namespace) -> str:
    """The command that goes on with this run: the settings come from last.pt."""
    words = ["jumpdsl", "train", args.file, "--out", args.out, "--resume"]
    for module in [*getattr(args, "plugins_before", []), *getattr(args, "plugins_after", [])]:
        words += ["--plugin", module]
    return shlex.join(words)


def stopped(exc: KeyboardInterrupt, args: argparse.Namespace, folder: Path) -> str:
    """What was saved, and how to go on."""
    why = "stopped by SIGTERM" if isinstance(exc, Terminated) else "interrupted (Ctrl-C)"
    saved = _saved(folder)
    if saved is None:
        return f"{why} before the first epoch ended: nothing was saved in {folder}/"
    last, best = saved
    return (
        f"{why}: {folder / 'last.pt'} holds epoch {last}, {folder / 'best.pt'} epoch {best} "
        f"(the best validation accuracy so far). To go on from epoch {last + 1}:\n"
        f"  {resume_command(args)}"
    )


def _saved(folder: Path) -> tuple[int, int] | None:
    """(the last epoch, the best epoch) of the run's last.pt; None when there is none."""
    from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint
    from jumpdsl.train.outputs import best_row

    try:
        history = load_checkpoint(folder / "last.pt")["history"]
    except (CheckpointError, KeyError):
        return None
    best = best_row(history)
    if best is None:
        return None
    return int(history[-1]["epoch"]), int(best["epoch"])
