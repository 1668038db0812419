"""How long `jumpdsl train specs/digits.jnet --data digits` takes, and what it reaches.

    python benchmarks/train_digits.py                 # one run, the default recipe
    python benchmarks/train_digits.py --runs 3 --json digits.json -- --seed 1
    python benchmarks/train_digits.py -- --threads 1  # on a machine busy with other work

Runs the command as a user would (a fresh process: imports included in the wall time), reads
the run's results.json, and prints wall and CPU time and test accuracy against the targets
of issue 7: at least 97% test accuracy, under 60 s on 2 CPU cores. Arguments after ``--`` go to
`jumpdsl train`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
TARGET_ACC, TARGET_S = 0.97, 60.0


def one_run(extra: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "jumpdsl",
            "train",
            "specs/digits.jnet",
            "--data",
            "digits",
            "--out",
            folder,
            "--no-progress",
            *extra,
        ]
        load = os.getloadavg()[0]
        cpu = _children_cpu()
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        cpu = _children_cpu() - cpu
        results = json.loads((Path(folder) / "results.json").read_text())
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),  # on a busy machine, what the run would take alone (1 thread)
        "load_average": load,
        "train_s": round(results["train_seconds"], 2),
        "epochs": results["epochs"],
        "test_acc": results["test_acc"],
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", help="also write the rows and the machine here")
    parser.add_argument("extra", nargs="*", help="after --: more options for jumpdsl train")
    args = parser.parse_args()
    machine = {
        "cpus": os.cpu_count(),
        "default_threads": torch.get_num_threads(),
        "torch": str(torch.__version__),
        "python": platform.python_version(),
    }
    rows = [one_run(args.extra) for _ in range(args.runs)]
    for row in rows:
        verdict = "ok" if row["test_acc"] >= TARGET_ACC and row["wall_s"] < TARGET_S else "MISS"
        print(
            f"test accuracy {row['test_acc']:.2%}  wall {row['wall_s']:.1f} s  "
            f"(training {row['train_s']:.1f} s, {row['epochs']} epochs; CPU {row['cpu_s']:.1f} s; "
            f"load average {row['load_average']:.1f})  {verdict}"
        )
    print(f"machine: {machine}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
