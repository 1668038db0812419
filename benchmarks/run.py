"""jumpdsl's benchmark: prints, in one run, the compiled JumpNet against a hand-written one,
the front end's timings and the front end's scaling series.

    python benchmarks/run.py                       # the whole benchmark (a few minutes on a CPU)
    python benchmarks/run.py --quick               # fewer rounds
    python benchmarks/run.py --graph-breaks        # also trace every spec with dynamo
    python benchmarks/run.py --front-end           # only check's start-up and the scaling series
    python benchmarks/run.py --device cuda --compile --train-batch 512   # on a GPU

Ratios are jumpdsl's median time over the hand-written model's (below 1: jumpdsl is faster);
every contender runs once per round, in alternating order, and the median is kept.
Targets are printed next to the figures; nothing here fails a build.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch
from bench_frontend import (
    CHECK_TARGET,
    SCALING_TARGET_S,
    check_vs_imports,
    scaling_series,
)
from bench_graph_breaks import trace_specs
from bench_models import CASES, INFERENCE_TARGET, InferenceRow, Row, compare, compare_inference

SIZES = [1_000, 2_000, 5_000, 10_000]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _machine(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"


def print_models(rows: list[Row], baseline: str = "hand-written") -> None:
    print(
        f"{'case':<13} {'batch':>5}  {'mode':<13} {baseline:>13} {'jumpdsl':>13} "
        f"{'ratio':>6}  {'target':>6}  {'jumpdsl images/s':>16}"
    )
    for r in rows:
        print(
            f"{r.case:<13} {r.batch:>5}  {r.mode:<13} {_ms(r.hand_s):>13} {_ms(r.jumpdsl_s):>13} "
            f"{r.ratio:>6.3f}  {'≤ ' + format(r.target, '.2f'):>6}  {r.images_per_s:>16,.0f}"
        )


def print_inference(rows: list[InferenceRow]) -> None:
    print(
        f"{'network':<10} {'batch':>5}  {'hand-written':>13} {'inference':>13} {'speedup':>7} "
        f"{'target':>6}  {'+ inductor':>13} {'speedup':>7}"
    )
    for r in rows:
        compiled = "" if r.compiled_s is None else _ms(r.compiled_s)
        compiled_speedup = "" if r.compiled_speedup is None else f"{r.compiled_speedup:.2f}"
        print(
            f"{r.network:<10} {r.batch:>5}  {_ms(r.hand_s):>13} {_ms(r.inference_s):>13} "
            f"{r.speedup:>7.2f} {'≥ ' + format(INFERENCE_TARGET, '.1f'):>6}  {compiled:>13} "
            f"{compiled_speedup:>7}"
        )


def print_frontend(rounds: int) -> None:
    medians = check_vs_imports(rounds)
    (base_name, base), (check_name, check) = medians.items()
    print(f"{base_name:<36} {base:6.3f} s")
    print(
        f"{check_name:<36} {check:6.3f} s   {check / base:.2f}× the imports "
        f"(target ≤ {CHECK_TARGET}×)"
    )


def print_scaling(rounds: int) -> None:
    print(
        f"{'layers':>7} {'parse':>8} {'lower':>8} {'shapes':>8} {'total':>8} {'µs/layer':>9} "
        f"{'wall':>8} {'fastest':>8}"
    )
    for s in scaling_series(SIZES, rounds):
        print(
            f"{s.layers:>7,} {s.parse_s:>7.3f}s {s.lower_s:>7.3f}s {s.shapes_s:>7.3f}s "
            f"{s.total_s:>7.3f}s {s.total_s / s.layers * 1e6:>9.1f} {s.wall_s:>7.3f}s "
            f"{s.best_s:>7.3f}s"
        )
    print(f"target: 10,000 layers checked in {SCALING_TARGET_S} s of CPU or less, linear growth")


def print_graph_breaks() -> None:
    print(f"{'spec':<28} {'layers':>6} {'graphs':>6} {'breaks':>6} {'trace':>8}")
    for t in trace_specs():
        print(f"{t.spec:<28} {t.layers:>6} {t.graphs:>6} {t.breaks:>6} {t.seconds:>7.1f}s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, … (default cpu)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per case")
    parser.add_argument("--quick", action="store_true", help="3 rounds, a shorter series")
    parser.add_argument("--compile", action="store_true", help="add torch.compile rows")
    parser.add_argument("--train-batch", type=int, default=128, help="batch of the train step")
    parser.add_argument("--graph-breaks", action="store_true", help="trace every spec (slow)")
    parser.add_argument("--threads", type=int, help="torch's CPU threads (default: torch's own)")
    parser.add_argument(
        "--front-end", action="store_true", help="only the front end: check and scaling rows"
    )
    parser.add_argument(
        "--no-inductor", action="store_true", help="leave torch.compile out of the inference rows"
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    rounds = 3 if args.quick else args.rounds
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cases = [
        (case, args.train_batch if case == "train step" else batch, target)
        for case, batch, target in CASES
    ]
    today = datetime.date.today().isoformat()
    print(f"jumpdsl benchmark, {today}; torch {torch.__version__}; {_machine(device)}")
    if not args.front_end:
        print(f"\nJumpNet (CIFAR-10, 813,418 params), medians of {rounds} interleaved rounds:")
        rows = compare(device, rounds, cases=cases)
        if args.compile:
            rows += compare(device, rounds, cases=cases, compiled=True)
        print_models(rows)
        print(
            f"\nthe module tree jumpdsl.load returns against the same network as one flat "
            f"forward (load(hierarchy=False)), medians of {rounds} interleaved rounds:"
        )
        rows = compare(device, rounds, cases=cases, against_flat=True)
        if args.compile:
            rows += compare(device, rounds, cases=cases, compiled=True, against_flat=True)
        print_models(rows, baseline="flat")
        print(
            f"\ninference form (eval; batch norms folded, channels-last) against the hand-written "
            f"model in eval mode, medians of {rounds} interleaved rounds; speedup = hand-written "
            "÷ jumpdsl:"
        )
        print_inference(
            compare_inference(device, rounds, compiled=not args.no_inductor, quick=args.quick)
        )
    print(f"\nfront end, medians of {max(rounds, 9)} interleaved runs (bytecode cached):")
    print_frontend(max(rounds, 9))
    series = max(rounds, 11)  # a third of a second each: more runs, a steadier median
    print(
        f"\nscaling: generated specs, parse + lower + shape-check in CPU seconds (wall: the "
        f"three, by the clock), medians of {series} runs (fastest: the quickest run's total):"
    )
    print_scaling(series)
    if args.graph_breaks:
        print("\ntorch.compile front end (dynamo) on every spec, weights on the meta device:")
        print_graph_breaks()


if __name__ == "__main__":
    main()
