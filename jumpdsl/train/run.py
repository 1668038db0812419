"""A training run from start to finish: data, model, (lottery,) epochs with checkpoints and
early stopping, then the test set with the best weights. Writes the run folder; never prints
(progress goes to a :class:`Reporter`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from jumpdsl.ir.graph import Graph
from jumpdsl.train.accel import Runtime
from jumpdsl.train.batches import Feeder, Normalization, epoch_seed
from jumpdsl.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from jumpdsl.train.data import load_data, split_validation
from jumpdsl.train.dataset import DataError
from jumpdsl.train.distributed import Group
from jumpdsl.train.evaluate import score
from jumpdsl.train.loop import EVAL_BATCH, Measured, evaluate, train_epoch, train_step
from jumpdsl.train.lottery import draw_lottery
from jumpdsl.train.model import network_io, place
from jumpdsl.train.optim import build_optimizer, lr_at, set_lr
from jumpdsl.train.outputs import best_row, write_json, write_metrics, write_text
from jumpdsl.train.plots import NO_MATPLOTLIB, plot_curves
from jumpdsl.train.settings import Settings

__all__ = ["Job", "Quiet", "Reporter", "train"]

COMPILING = "compiling the model with torch.compile (first call, may take a minute on CPU)…"
DROPOUT_SALT = 10_000  # dropout's stream (torch's global one), apart from order and augmentation


class Reporter(Protocol):
    def note(self, text: str) -> None: ...
    def epoch_start(self, epoch: int, epochs: int, steps: int) -> None: ...
    def batch(self, steps: int, loss: float, acc: float, images_per_s: float) -> None: ...
    def epoch_end(self, row: dict[str, Any]) -> None: ...


class Quiet:
    """A reporter that says nothing."""

    def note(self, text: str) -> None:
        pass

    def epoch_start(self, epoch: int, epochs: int, steps: int) -> None:
        pass

    def batch(self, steps: int, loss: float, acc: float, images_per_s: float) -> None:
        pass

    def epoch_end(self, row: dict[str, Any]) -> None:
        pass


@dataclass(frozen=True)
class Job:
    """What to train, on what, where to write; ``state`` is last.pt's content on a resume."""

    spec: str
    graph: Graph
    sources: dict[str, str]
    params: dict[str, Any]
    data: str
    out: Path
    settings: Settings
    runtime: Runtime
    group: Group = field(default_factory=Group)
    state: dict[str, Any] | None = None


def train(job: Job, reporter: Reporter | None = None) -> dict[str, Any]:
    """Train as ``job`` says; the results (also in results.json on the main process)."""
    return _Run(job, reporter or Quiet()).run()


class _Run:
    def __init__(self, job: Job, reporter: Reporter) -> None:
        self.job, self.s, self.reporter = job, job.settings, reporter
        self.rt, self.group = job.runtime, job.group
        shape, classes = network_io(job.graph)
        self.data = load_data(job.data, shape, classes)
        if self.s.augment == "auto":  # recorded as what it meant for this data set
            self.s = dataclasses.replace(self.s, augment=self.data.augment)
        train, val = split_validation(self.data.train, self.s.val_split)
        self.norm = Normalization.fit(train, self.data.scale, self.s.normalize)
        feed = lambda split: Feeder(split, self.norm, self.rt, self.group)  # noqa: E731
        self.train_feed, self.test_feed = feed(train), feed(self.data.test)
        self.val_feed = feed(val) if val is not None else self.test_feed
        self._check_sizes()
        self.history: list[dict[str, Any]] = []
        self.lottery: list[dict[str, Any]] = []

    def _check_sizes(self) -> None:
        for name, size in (
            ("batch size", self.s.batch_size),
            ("lottery batch", self.s.lottery_batch),
        ):
            if size % self.group.world:
                raise DataError(f"{name} {size} does not split among {self.group.world} processes")
        if self.train_feed.steps(self.s.batch_size) == 0:
            raise DataError(
                f"{len(self.train_feed)} training images are fewer than the batch "
                f"size {self.s.batch_size}"
            )

    def run(self) -> dict[str, Any]:
        out = self.job.out
        if self.group.main:
            out.mkdir(parents=True, exist_ok=True)
        self._start()
        try:
            while not self._done():
                self._epoch(len(self.history))
        finally:
            if (
                self.group.main
                and self.history
                and not plot_curves(out / "curves.png", self.history)
            ):
                self.reporter.note(NO_MATPLOTLIB)
        return self._finish()

    def _plot(self, path: Path) -> None:
        if not plot_curves(path, self.history):
            self.reporter.note(NO_MATPLOTLIB)

    # ------------------------------------------------------------ start
    def _start(self) -> None:
        if self.data.note:
            self.reporter.note(self.data.note)
        state = self.job.state
        weights = state["model"] if state else None
        if state is None and self.s.lottery:
            weights, self.lottery = draw_lottery(
                self.job.graph,
                self.s,
                (self.train_feed, self.val_feed),
                self.rt,
                self.group,
                self.reporter.note,
            )
        self.model = place(self.job.graph, self.s.seed, self.rt, self.group, weights=weights)
        self.optimizer = build_optimizer(self.job.graph, self.model.raw, self.s)
        if self.rt.compile:  # the first step waits for it, with nothing else to show
            self.reporter.note(COMPILING)
        if state is not None:
            try:
                self.optimizer.load_state_dict(state["optimizer"])
            except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
                # torch's own checks of a state that is not this optimizer's
                first = str(exc).strip().splitlines()[:1] or [type(exc).__name__]
                raise CheckpointError(f"the optimizer state does not fit: {first[0]}") from None
            self.history, self.lottery = list(state["history"]), list(state["lottery"])
        if self.group.main:
            self._write_settings()

    def _write_settings(self) -> None:
        job = self.job
        write_text(job.out / "spec.jnet", job.sources[job.spec])
        write_json(job.out / "settings.json", self._meta() | {"sources": job.sources})

    def _meta(self) -> dict[str, Any]:
        import jumpdsl

        return {
            "spec": self.job.spec,
            "params": self.job.params,
            "data": self.job.data,
            "settings": self.s.to_json(),
            "normalization": dataclasses.asdict(self.norm),
            "class_names": list(self.data.labels),
            "runtime": self.rt.to_json() | {"processes": self.group.world},
            "versions": {"jumpdsl": jumpdsl.__version__, "torch": str(torch.__version__)},
        }

    # ------------------------------------------------------------ epochs
    def _best(self) -> dict[str, Any] | None:
        return best_row(self.history)

    def _done(self) -> bool:
        best = self._best()
        if best is None:
            return False
        stale = self.history[-1]["epoch"] - best["epoch"]
        return len(self.history) >= self.s.epochs or 0 < self.s.patience <= stale

    def _epoch(self, epoch: int) -> None:
        steps = self.train_feed.steps(self.s.batch_size)
        self.reporter.epoch_start(epoch + 1, self.s.epochs, steps)
        torch.manual_seed(epoch_seed(self.s.seed, epoch, DROPOUT_SALT + self.group.rank))
        self.model.train.train()
        measured = train_epoch(
            lambda i, batch: self._step(epoch + i / steps, batch),
            self.train_feed.train(self.s.batch_size, self.s.seed, epoch, self.s.augment),
            self.rt,
            self.group,
            self.reporter.batch,
        )
        val = evaluate(
            self.model.evaluate, self.val_feed.evaluation(EVAL_BATCH), self.rt, self.group
        )
        self._record(epoch, measured, val)

    def _step(self, progress: float, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        set_lr(self.optimizer, lr_at(self.s, progress))
        return train_step(self.model.train, self.optimizer, batch, self.rt, self.s.label_smoothing)

    def _record(self, epoch: int, train: Measured, val: Measured) -> None:
        row = {
            "epoch": epoch + 1,
            "train_loss": train.loss,
            "train_acc": train.acc,
            "val_loss": val.loss,
            "val_acc": val.acc,
            "lr": lr_at(self.s, epoch + 0.5),
            "seconds": train.seconds + val.seconds,
            "images_per_s": train.images_per_s,
        }
        self.history.append(row)
        improved = self._best() is row
        if self.group.main:
            self._save(improved)
        self.reporter.epoch_end(row | {"best": improved})

    def _save(self, improved: bool) -> None:
        out = self.job.out
        state = self._meta() | {
            "model": self.model.raw.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "history": self.history,
            "lottery": self.lottery,
            "spec_text": self.job.sources[self.job.spec],
        }
        if improved:
            save_checkpoint(out / "best.pt", state)
        save_checkpoint(out / "last.pt", state)
        write_metrics(out / "metrics.csv", self.history)

    # ------------------------------------------------------------ finish
    def _finish(self) -> dict[str, Any]:
        best = self._best()
        results: dict[str, Any] = {
            "epochs": len(self.history),
            "best_epoch": best["epoch"] if best else None,
            "best_val_acc": best["val_acc"] if best else None,
            "train_seconds": sum(r["seconds"] for r in self.history),
            "lottery": self.lottery,
            "processes": self.group.world,
        }
        if self.group.main:
            results |= self._test()
            write_json(self.job.out / "results.json", results)
        return results

    def _test(self) -> dict[str, Any]:
        """The test set, with best.pt's weights, on this process alone."""
        weights = load_checkpoint(self.job.out / "best.pt", self.rt.device)["model"]
        test = score(self.job.graph, weights, self.data.test, self.norm, self.rt)
        return {"test_loss": test.loss, "test_acc": test.acc, "test_images": test.images}
