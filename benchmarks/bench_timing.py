"""Interleaved timing: every contender runs once per round, in alternating order, and the
median of the rounds is kept, so drift in machine load (other processes, clock changes) falls on
all contenders alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["interleaved"]


def interleaved(
    contenders: dict[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> dict[str, float]:
    """Median seconds per call of each contender over ``rounds`` interleaved rounds.

    >>> medians = interleaved({"a": lambda: None, "b": lambda: None}, 3)
    >>> sorted(medians) == ["a", "b"] and all(t >= 0 for t in medians.values())
    True
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            start = time.perf_counter()
            contenders[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(samples[name]) for name in names}
