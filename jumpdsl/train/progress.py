"""What ``jumpdsl train`` shows while it runs: on a terminal (tqdm) a bar for the whole run
with its ETA above the bar of the epoch (loss, accuracy and images/s), and one line per
finished epoch with the time the rest should take."""

from __future__ import annotations

from typing import Any, TextIO

__all__ = ["Console", "remaining"]

NO_TQDM = "no progress bars: tqdm is not installed (pip install 'jumpdsl[train]'); a line per epoch"


class Console:
    """A :class:`jumpdsl.train.run.Reporter` that prints; ``bar`` draws tqdm bars on ``err``."""

    def __init__(self, out: TextIO, err: TextIO, *, bar: bool) -> None:
        self.out, self.err = out, err
        self.tqdm = _tqdm() if bar else None
        self.bar: Any = None
        self.run_bar: Any = None
        self.epochs = 0
        self.seconds: list[float] = []  # of the epochs run by this process
        if bar and self.tqdm is None:
            self.note(NO_TQDM)

    def note(self, text: str) -> None:
        if self.run_bar is not None:
            self.run_bar.write(text, file=self.out)  # above the bars, which stay drawn
        else:
            print(text, file=self.out, flush=True)

    def epoch_start(self, epoch: int, epochs: int, steps: int) -> None:
        self.epochs = epochs
        if self.tqdm is None:
            return
        if self.run_bar is None:  # the epochs left, as steps: the ETA of the whole run
            total = (epochs - epoch + 1) * steps
            self.run_bar = self.tqdm(
                total=total, desc="run", file=self.err, leave=False, unit="step", position=0
            )
        desc = f"epoch {epoch}/{epochs}"
        self.bar = self.tqdm(
            total=steps, desc=desc, file=self.err, leave=False, unit="step", position=1
        )

    def batch(self, steps: int, loss: float, acc: float, images_per_s: float) -> None:
        if self.bar is not None:
            done = steps - self.bar.n
            self.bar.update(done)
            self.run_bar.update(done)
            self.bar.set_postfix_str(f"loss {loss:.4f} acc {acc:.1%} {images_per_s:,.0f} img/s")

    def epoch_end(self, row: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.seconds.append(row["seconds"])
        mark = "  *best" if row.get("best") else ""
        left = remaining(self.seconds, self.epochs - row["epoch"])
        self.note(
            f"epoch {row['epoch']:>3}/{self.epochs}  "
            f"train loss {row['train_loss']:.4f} acc {row['train_acc']:.2%}  "
            f"val loss {row['val_loss']:.4f} acc {row['val_acc']:.2%}  "
            f"lr {row['lr']:.2e}  {row['seconds']:.1f} s  {row['images_per_s']:,.0f} img/s"
            f"{left}{mark}"
        )

    def close(self) -> None:
        """Take the bars off the terminal (at the end, or when interrupted): what follows
        starts on a clean line."""
        for bar in (self.bar, self.run_bar):
            if bar is not None:
                bar.close()
        self.bar = self.run_bar = None


def remaining(seconds: list[float], epochs_left: int) -> str:
    """``  (about 1 min 20 s left)`` from the mean epoch so far; empty when none is left
    (early stopping may end the run sooner).

    >>> remaining([10.0, 12.0], 7), remaining([0.1], 2), remaining([3.0], 0)
    ('  (about 1 min 17 s left)', '  (under a second left)', '')
    """
    if epochs_left <= 0 or not seconds:
        return ""
    left = round(sum(seconds) / len(seconds) * epochs_left)
    if left == 0:
        return "  (under a second left)"
    minutes, secs = divmod(left, 60)
    hours, minutes = divmod(minutes, 60)
    text = (
        f"{hours} h {minutes} min"
        if hours
        else f"{minutes} min {secs} s"
        if minutes
        else f"{secs} s"
    )
    return f"  (about {text} left)"


def _tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the epoch lines still show progress
        return None
    return tqdm
