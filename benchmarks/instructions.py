"""The front end's cost in instructions, which a shared machine's noise does not change.

Runs one stage (parse, lower, or the whole check: parse + lower + shapes) of a generated spec
under callgrind (``apt-get install valgrind``), once with the stage repeated and once without,
and prints the difference: the instructions of one run of that stage, start-up and imports
left out. Python's hash seed is fixed, so a run gives the same count within a few tenths of a
per cent::

    python benchmarks/instructions.py                    # parse, lower, check of 2,000 layers
    python benchmarks/instructions.py --layers 10000 check

(Slow: each count runs Python under valgrind, about 40 s for 2,000 layers.)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

STAGES = ("parse", "lower", "check")


def _run_stage(stage: str, layers: int, repeats: int) -> None:
    """What callgrind counts: the stage once to warm up (parser tables, imports), then again
    ``repeats`` times."""
    import gc

    from bench_scaling import spec_text

    from jumpdsl.diagnostics import DiagnosticSink
    from jumpdsl.lower.network import lower
    from jumpdsl.passes.shapes import infer_shapes
    from jumpdsl.source import SourceFile
    from jumpdsl.syntax.parser import parse

    gc.disable()  # as jumpdsl.api runs the pipeline
    text = spec_text(layers)
    sink = DiagnosticSink()
    module = parse(SourceFile("generated.jnet", text), sink)
    assert module is not None
    graph = lower(module, sink)
    assert graph is not None
    infer_shapes(graph, sink)
    for _ in range(repeats):
        sink = DiagnosticSink()
        if stage in ("parse", "check"):
            module = parse(SourceFile("generated.jnet", text), sink)
        if stage in ("lower", "check"):
            graph = lower(module, sink)  # type: ignore[arg-type]
        if stage == "check":
            infer_shapes(graph, sink)  # type: ignore[arg-type]


def _count(stage: str, layers: int, repeats: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--run",
        stage,
        "--layers",
        str(layers),
        "--repeats",
        str(repeats),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found, done.stderr[-2000:]
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stages", nargs="*", default=list(STAGES), help=", ".join(STAGES))
    parser.add_argument("--layers", type=int, default=2000, help="size of the generated spec")
    parser.add_argument("--run", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        _run_stage(args.run, args.layers, args.repeats)
        return 0
    unknown = sorted(set(args.stages) - set(STAGES))
    if unknown:
        parser.error(f"no stage {', '.join(unknown)}: choose from {', '.join(STAGES)}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    base = _count("check", args.layers, 0)
    print(f"instructions of one run, a generated spec of about {args.layers:,} layers:")
    for stage in args.stages:
        print(f"{stage:<6} {(_count(stage, args.layers, 1) - base) / 1e6:8.1f} M")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
