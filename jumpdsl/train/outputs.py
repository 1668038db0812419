"""The files of a run folder besides checkpoints: metrics.csv, settings.json, spec.jnet,
results.json. Each is rewritten whole and atomically."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jumpdsl.fileio import write_atomic

__all__ = ["METRICS", "best_row", "write_json", "write_metrics", "write_text"]

METRICS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


def best_row(history: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The best epoch: highest validation accuracy; on a tie (common on a small validation
    set), the lower validation loss."""
    return max(history, key=lambda r: (r["val_acc"], -r["val_loss"]), default=None)


def write_metrics(path: Path, history: Sequence[dict[str, Any]]) -> None:
    """One row per epoch; numbers rounded so the file reads well."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=METRICS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: _fmt(row[k]) for k in METRICS})
    write_atomic(path, text.getvalue().encode())


def _fmt(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else value


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


def write_text(path: Path, text: str) -> None:
    write_atomic(path, text.encode())
