"""curves.png: loss and accuracy per epoch, training and validation side by side."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jumpdsl.fileio import write_atomic

__all__ = ["NO_MATPLOTLIB", "plot_curves"]

NO_MATPLOTLIB = "curves.png not drawn: matplotlib is not installed (pip install 'jumpdsl[train]')"


def plot_curves(path: Path, history: Sequence[dict[str, Any]]) -> bool:
    """Draw the curves; False when matplotlib is not installed (the run goes on without them)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never open a window
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = [row["epoch"] for row in history]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric, title in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        ax.plot(epochs, [row[f"train_{metric}"] for row in history], "o-", label="train")
        ax.plot(epochs, [row[f"val_{metric}"] for row in history], "o-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    write_atomic(path, buffer.getvalue())
    return True
