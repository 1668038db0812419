"""What ``jumpdsl train`` shows while it runs: a bar per epoch on the terminal (tqdm) with loss,
accuracy and images/s, and one line per finished epoch."""

from __future__ import annotations

from typing import Any, TextIO

__all__ = ["Console"]

NO_TQDM = "no progress bars: tqdm is not installed (pip install 'jumpdsl[train]'); a line per epoch"


class Console:
    """A :class:`jumpdsl.train.run.Reporter` that prints; ``bar`` draws tqdm bars on ``err``."""

    def __init__(self, out: TextIO, err: TextIO, *, bar: bool) -> None:
        self.out, self.err = out, err
        self.tqdm = _tqdm() if bar else None
        if bar and self.tqdm is None:
            self.note(NO_TQDM)
        self.bar: Any = None
        self.epochs = 0

    def note(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def epoch_start(self, epoch: int, epochs: int, steps: int) -> None:
        self.epochs = epochs
        if self.tqdm is not None:
            desc = f"epoch {epoch}/{epochs}"
            self.bar = self.tqdm(total=steps, desc=desc, file=self.err, leave=False, unit="step")

    def batch(self, steps: int, loss: float, acc: float, images_per_s: float) -> None:
        if self.bar is not None:
            self.bar.update(steps - self.bar.n)
            self.bar.set_postfix_str(f"loss {loss:.4f} acc {acc:.1%} {images_per_s:,.0f} img/s")

    def epoch_end(self, row: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        mark = "  *best" if row.get("best") else ""
        self.note(
            f"epoch {row['epoch']:>3}/{self.epochs}  "
            f"train loss {row['train_loss']:.4f} acc {row['train_acc']:.2%}  "
            f"val loss {row['val_loss']:.4f} acc {row['val_acc']:.2%}  "
            f"lr {row['lr']:.2e}  {row['seconds']:.1f} s  {row['images_per_s']:,.0f} img/s{mark}"
        )


def _tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the epoch lines still show progress
        return None
    return tqdm
