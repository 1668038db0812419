"""The front end's timings: `jumpdsl check` against importing its two libraries, and
parse + lower + shape-check on generated specs of growing size (the scaling series)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_scaling import spec_text
from bench_timing import interleaved

from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.gcpause import paused_gc
from jumpdsl.lower.network import lower
from jumpdsl.passes.shapes import infer_shapes
from jumpdsl.source import SourceFile
from jumpdsl.syntax.parser import parse

__all__ = ["CHECK_TARGET", "SCALING_TARGET_S", "Stage", "check_vs_imports", "scaling_series"]

ROOT = Path(__file__).resolve().parent.parent
CHECK_TARGET = 1.2  # jumpdsl check within 1.2× of `import lark, networkx`
SCALING_TARGET_S = 0.3  # a 10,000-layer spec checked in 0.3 s of CPU


def _command(argv: list[str]) -> Callable[[], None]:
    # Bytecode cached as after a pip install (this machine's PYTHONDONTWRITEBYTECODE would make
    # every run recompile jumpdsl's sources, which no installed package does).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def run() -> None:
        subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, env=env)

    return run


def check_vs_imports(rounds: int) -> dict[str, float]:
    """Median seconds of the two commands, run in turn ``rounds`` times."""
    return interleaved(
        {
            'python -c "import lark, networkx"': _command(
                [sys.executable, "-c", "import lark, networkx"]
            ),
            "jumpdsl check specs/jumpnet.jnet": _command(
                [sys.executable, "-m", "jumpdsl", "check", "specs/jumpnet.jnet"]
            ),
        },
        rounds,
        warmup=2,  # the first runs write bytecode and the parser cache
    )


@dataclass
class Stage:
    """CPU seconds of each stage (other jobs on a shared machine do not count), and the wall
    time of all three."""

    layers: int
    parse_s: float
    lower_s: float
    shapes_s: float
    wall_s: float
    best_s: float = (
        0.0  # over a series: the fastest run's total (a shared machine's noise only adds)
    )

    @property
    def total_s(self) -> float:
        return self.parse_s + self.lower_s + self.shapes_s


@paused_gc  # as jumpdsl.api runs the pipeline
def _once(text: str) -> Stage:
    sink = DiagnosticSink()
    wall, start = time.perf_counter(), time.process_time()
    module = parse(SourceFile("generated.jnet", text), sink)
    parsed = time.process_time()
    assert module is not None
    graph = lower(module, sink)
    lowered = time.process_time()
    assert graph is not None
    infer_shapes(graph, sink)
    done = time.process_time()
    assert not sink.has_errors
    return Stage(
        len(graph),
        parsed - start,
        lowered - parsed,
        done - lowered,
        time.perf_counter() - wall,
    )


def scaling_series(sizes: list[int], rounds: int) -> list[Stage]:
    """Per size, the median of each figure over ``rounds`` runs (the parser already built),
    and the fastest run's total."""
    _once(spec_text(sizes[0]))  # build or load the parser outside the timings
    stages = []
    for size in sizes:
        runs = [_once(spec_text(size)) for _ in range(rounds)]
        stages.append(
            Stage(
                runs[0].layers,
                *(
                    statistics.median(getattr(r, key) for r in runs)
                    for key in ("parse_s", "lower_s", "shapes_s", "wall_s")
                ),
                min(r.total_s for r in runs),
            )
        )
    return stages
