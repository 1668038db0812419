"""jumpdsl on a GPU: one prepared run that fits in about 8 minutes and records, with the device
name, what the product promises (torch.compile on CUDA, as fast as hand-written PyTorch).

    python benchmarks/gpu.py                        # on CUDA: the whole table
    python benchmarks/gpu.py --device cpu --quick   # the same table, tiny, on a CPU (a check)

For JumpNet (CIFAR-10, 3×32×32) and ResNet-50 (3×224×224): a training step (forward,
cross-entropy, backward, SGD with momentum) and an eval forward at batch 512 (``--batch``), in
fp32 and in bf16 autocast with channels-last, eager and under torch.compile, jumpdsl's module
against the hand-written one holding the same weights under the same settings. Columns: median
milliseconds of each, the ratio (jumpdsl ÷ hand-written; the goal compiled is ≤ 1.02),
jumpdsl's images per second, the first compiled call's seconds (the compile), and dynamo's graph
breaks in jumpdsl's module (the goal: 0). Then one CIFAR-shaped epoch (50,000 synthetic images)
with the seed's recipe through ``jumpdsl train``.

Rows run most important first (compiled bf16, then eager, then compiled fp32) under a time
budget (``--budget``, seconds); rows past it are listed as skipped, never silently dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch
import torch._dynamo
import torch.nn.functional as F
from jumpnet_torch import JumpNet
from resnet_torch import ResNet50
from torch import nn

import jumpdsl
from jumpdsl.cli import main as jumpdsl_main

SPECS = Path(__file__).resolve().parent.parent / "specs"
ZOO = SPECS.parent / "jumpdsl" / "zoo"
NETWORKS = [
    ("JumpNet", JumpNet, SPECS / "jumpnet.jnet", (3, 32, 32), 10),
    ("ResNet-50", ResNet50, ZOO / "resnet.jnet", (3, 224, 224), 1000),
]
PRECISIONS = ("bf16+cl", "fp32")


@dataclass
class Row:
    network: str
    case: str
    precision: str
    mode: str
    hand_ms: float
    jumpdsl_ms: float
    batch: int
    compile_s: float | None = None
    breaks: int | None = None

    @property
    def ratio(self) -> float:
        return self.jumpdsl_ms / self.hand_ms


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def model_pair(hand_cls: type[nn.Module], spec: Path, device: torch.device, precision: str):
    generated = jumpdsl.load(spec, seed=0)
    hand = hand_cls()
    hand.load_state_dict(dict(zip(hand.state_dict(), generated.state_dict().values(), strict=True)))
    layout = torch.channels_last if precision == "bf16+cl" else torch.contiguous_format
    return [m.to(device, memory_format=layout) for m in (hand, generated)]


@contextlib.contextmanager
def precision_scope(device: torch.device, precision: str) -> Iterator[None]:
    if precision == "bf16+cl":
        with torch.autocast(device.type, dtype=torch.bfloat16):
            yield
    else:
        yield


def _step(model: nn.Module, case: str, x: torch.Tensor, y: torch.Tensor, precision: str):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def train() -> None:
        optimizer.zero_grad(set_to_none=True)
        with precision_scope(x.device, precision):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        _sync(x.device)

    def evaluate() -> None:
        with torch.inference_mode(), precision_scope(x.device, precision):
            model(x)
        _sync(x.device)

    return train if case == "train step" else evaluate


def _timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _medians(fns: dict[str, Callable[[], None]], rounds: int) -> tuple[dict[str, float], dict]:
    """Median seconds per call, interleaved; the first call of each (the compile) apart."""
    first = {name: _timed(fn) for name, fn in fns.items()}
    for fn in fns.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for index in range(rounds):
        for name in fns if index % 2 == 0 else reversed(list(fns)):
            samples[name].append(_timed(fns[name]))
    return {name: statistics.median(v) for name, v in samples.items()}, first


def graph_breaks(model: nn.Module, x: torch.Tensor) -> int:
    torch._dynamo.reset()
    with torch.no_grad():
        explained = torch._dynamo.explain(model)(x)
    return int(explained.graph_break_count)


def run_row(network, case: str, precision: str, mode: str, device, batch: int, rounds: int) -> Row:
    name, hand_cls, spec, shape, classes = network
    hand, generated = model_pair(hand_cls, spec, device, precision)
    hand.train(case == "train step"), generated.train(case == "train step")
    layout = torch.channels_last if precision == "bf16+cl" else torch.contiguous_format
    x = torch.randn(batch, *shape, device=device).contiguous(memory_format=layout)
    y = torch.randint(0, classes, (batch,), device=device)
    breaks = graph_breaks(generated, x) if mode == "compiled" else None
    if mode == "compiled":
        torch._dynamo.reset()
        hand, generated = torch.compile(hand), torch.compile(generated, fullgraph=True)
    fns = {
        "hand": _step(hand, case, x, y, precision),
        "jumpdsl": _step(generated, case, x, y, precision),
    }
    medians, first = _medians(fns, rounds)
    compile_s = first["jumpdsl"] - medians["jumpdsl"] if mode == "compiled" else None
    return Row(
        name,
        case,
        precision,
        mode,
        medians["hand"] * 1e3,
        medians["jumpdsl"] * 1e3,
        batch,
        compile_s,
        breaks,
    )


def row_plan(compile_rows: str) -> list[tuple[int, str, str, str]]:
    """(network index, case, precision, mode), most important first; ``compile_rows``: all,
    one (JumpNet's eval only: a CPU compiles a training step for minutes) or none."""
    order = [("bf16+cl", "compiled"), ("bf16+cl", "eager"), ("fp32", "eager"), ("fp32", "compiled")]
    plan = [
        (index, case, precision, mode)
        for precision, mode in order
        for index in range(len(NETWORKS))
        for case in ("train step", "eval forward")
    ]
    if compile_rows == "one":
        first = (0, "eval forward", "fp32", "compiled")
        return [first, *(row for row in plan if row[3] == "eager")]
    return [row for row in plan if compile_rows == "all" or row[3] == "eager"]


def _print_row(r: Row) -> None:
    compile_s = "" if r.compile_s is None else f"{r.compile_s:.1f}"
    breaks = "" if r.breaks is None else str(r.breaks)
    print(
        f"{r.network:<10} {r.case:<13} {r.precision:<8} {r.mode:<9} {r.hand_ms:>10.2f} "
        f"{r.jumpdsl_ms:>10.2f} {r.ratio:>6.3f} {r.batch / r.jumpdsl_ms * 1e3:>10,.0f} "
        f"{compile_s:>8} {breaks:>6}",
        flush=True,
    )


def epoch_seconds(device: torch.device, images: int) -> float:
    """One epoch of the seed's recipe on CIFAR-shaped synthetic data, through ``jumpdsl train``
    (the run's own setup excluded as far as a wall clock can: data are made in memory)."""
    with tempfile.TemporaryDirectory() as out:
        argv = [
            "train", str(SPECS / "jumpnet.jnet"), "--data", f"synthetic:{images}",
            "--recipe", "seed", "--epochs", "1", "--val-split", "0", "--lottery", "0",
            "--out", out, "--device", str(device), "--no-progress",
        ]  # fmt: skip
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the run's own report: not the table
            code = jumpdsl_main(argv)
        if code != 0:
            raise RuntimeError(f"jumpdsl train exited {code}")
        return time.perf_counter() - start


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:1, cpu")
    parser.add_argument("--batch", type=int, default=512, help="batch of every row")
    parser.add_argument("--rounds", type=int, default=10, help="timed rounds per row")
    parser.add_argument("--budget", type=float, default=420, help="seconds for the table")
    parser.add_argument("--epoch-images", type=int, default=50_000)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="batch 4, 2 rounds, a tiny epoch, one compiled row: checks the script on a CPU",
    )
    parser.add_argument(
        "--compile-rows",
        choices=("all", "one", "none"),
        default=None,
        help="which torch.compile rows to run (default: all; with --quick: one)",
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu.py: no CUDA device here; run with --device cpu --quick to check the script")
    if args.quick:
        args.batch, args.rounds, args.epoch_images = 4, 2, 256
    compile_rows = args.compile_rows or ("one" if args.quick else "all")
    torch.backends.cudnn.benchmark = True
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"jumpdsl GPU benchmark, {datetime.date.today().isoformat()}; {name}; torch "
        f"{torch.__version__}; batch {args.batch}, medians of {args.rounds} rounds",
        flush=True,
    )
    print(
        f"{'network':<10} {'case':<13} {'dtype':<8} {'mode':<9} {'hand ms':>10} "
        f"{'jumpdsl ms':>10} {'ratio':>6} {'images/s':>10} {'compile':>8} {'breaks':>6}"
    )
    deadline = time.monotonic() + args.budget
    skipped = []
    for index, case, precision, mode in row_plan(compile_rows):
        label = f"{NETWORKS[index][0]} {case} {precision} {mode}"
        if time.monotonic() > deadline:
            skipped.append(label)
            continue
        _print_row(run_row(NETWORKS[index], case, precision, mode, device, args.batch, args.rounds))
    if skipped:
        print("skipped (time budget): " + "; ".join(skipped))
    seconds = epoch_seconds(device, args.epoch_images)
    print(
        f"\nJumpNet, seed recipe, one epoch of {args.epoch_images:,} CIFAR-shaped synthetic "
        f"images on {name}: {seconds:.1f} s ({args.epoch_images / seconds:,.0f} images/s, "
        "run setup included)"
    )


if __name__ == "__main__":
    main()
