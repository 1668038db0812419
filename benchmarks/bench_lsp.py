"""The language server's re-check after an edit, for JumpNet and JumpNet-152 (target: 50 ms
in-process). Printed, never asserted.

In-process, three figures per spec, each over the same edits (one change of the task, undone
the next time):

- check: :func:`jumpdsl.api.check_text` as the server calls it (the open files as an overlay,
  the shape pass run even on errors);
- analysis: what the server does on each change before it can answer (the check, the index of
  instances, the names);
- hover: the analysis, then a hover on the conv inside the library's JumpBottleneck.

Over stdio, the time from sending ``didChange`` to receiving ``publishDiagnostics`` in a real
client (pygls'), server in a subprocess.

    python benchmarks/bench_lsp.py [--rounds 60] [--no-stdio]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from jumpdsl.api import STDLIB, check_text
from jumpdsl.lsp.analysis import Workspace, shown_path
from jumpdsl.lsp.hover import hover

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "JumpNet": ROOT / "specs" / "jumpnet.jnet",
    "JumpNet-152": ROOT / "specs" / "jumpnet152.jnet",
}
TARGET_MS = 50.0
STD = STDLIB / "jumpnet.jnet"


def edits(text: str) -> tuple[str, str]:
    """The spec and the spec with one edit (the classifier's input doubled through a dense)."""
    edited = text.replace("task { gap dense(classes) }", "task { gap dense(classes * 2) }")
    assert edited != text
    return text, edited


def timed(rounds: int, step: Callable[[int], object]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each step (CPU time is steadier on a shared machine;
    over stdio it counts this process only, so only the wall clock is shown there)."""
    wall, cpu = [], []
    for index in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        step(index)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def describe(name: str, times: tuple[list[float], list[float]], cpu: bool = True) -> str:
    wall = sorted(times[0])
    median = statistics.median(wall)
    p90 = wall[int(0.9 * (len(wall) - 1))]
    spent = f"   cpu median {statistics.median(times[1]):6.1f} ms" if cpu else ""
    return (
        f"  {name:<9} median {median:6.1f} ms   p90 {p90:6.1f} ms   max {wall[-1]:6.1f} ms"
        f"{spent}   ({median / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms target)"
    )


def in_process(spec: Path, rounds: int) -> list[str]:
    texts = edits(spec.read_text(encoding="utf-8"))
    ws = Workspace()
    file = spec.resolve()
    std_text = STD.read_text(encoding="utf-8")
    ws.update(STD, std_text, 0)
    ws.update(file, texts[0], 0)
    ws.analysis(file)
    line = std_text.split("\n").index("    bn relu conv(f // reduction, 3x3)") + 1
    shown = shown_path(file)

    def check(index: int) -> object:
        return check_text(texts[index % 2], shown, overlay=ws.overlay(), shapes_despite_errors=True)

    def analysis(index: int) -> object:
        ws.update(file, texts[index % 2], index + 1)
        return ws.analysis(file)

    def hovered(index: int) -> object:
        ws.update(file, texts[index % 2], rounds + index + 1)
        found = hover(ws, STD, line, 14)
        assert found is not None and "instances" in found.text
        return found

    for step in (check, analysis, hovered):  # warm up
        timed(3, step)
    return [
        describe("check", timed(rounds, check)),
        describe("analysis", timed(rounds, analysis)),
        describe("hover", timed(rounds, hovered)),
    ]


def over_stdio(spec: Path, rounds: int) -> str:
    sys.path.insert(0, str(ROOT / "tests"))
    from lsp_client import Session

    session = Session()
    try:
        texts = edits(spec.read_text(encoding="utf-8"))
        session.open(spec, texts[0])
        times = timed(rounds, lambda index: session.change(spec, texts[(index + 1) % 2]))
    finally:
        session.close()
    return describe("stdio", times, cpu=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--no-stdio", action="store_true")
    args = parser.parse_args()
    print(f"Re-check after an edit, {args.rounds} edits each (python {sys.version.split()[0]})")
    for name, spec in SPECS.items():
        print(f"{name} ({spec.relative_to(ROOT)}):")
        for line in in_process(spec, args.rounds):
            print(line)
        if not args.no_stdio:
            print(over_stdio(spec, args.rounds))


if __name__ == "__main__":
    main()
