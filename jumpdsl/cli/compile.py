"""``jumpdsl compile``: build the torch module, run one forward pass, print a summary."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from jumpdsl import messages as M
from jumpdsl.cli.common import (
    EXIT_BUG,
    EXIT_OK,
    EXIT_SPEC,
    UsageError,
    add_spec_options,
    check_spec,
    report,
)
from jumpdsl.diagnostics import Diagnostic, DiagnosticSink
from jumpdsl.ir.graph import Graph
from jumpdsl.options import COMPILE_MODES
from jumpdsl.report import render_text

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    comp = sub.add_parser("compile", help="build the torch module, run a forward pass, summarise")
    comp.add_argument("file", metavar="FILE")
    comp.add_argument("--json", action="store_true", help="the summary as one JSON object")
    comp.add_argument("--code", action="store_true", help="print the generated forward code")
    comp.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, … (default: auto)")
    compiling = comp.add_mutually_exclusive_group()
    compiling.add_argument(
        "--no-torch-compile",
        action="store_true",
        help="stay eager on CUDA too (torch.compile is the default there)",
    )
    compiling.add_argument(
        "--torch-compile", action="store_true", help="use torch.compile on the CPU too"
    )
    comp.add_argument("--compile-mode", default="default", choices=COMPILE_MODES)
    comp.add_argument(
        "--batch-size",
        type=int,
        default=2,
        help="batch of the test forward pass and of the activation-memory figures",
    )
    comp.add_argument("--seed", type=int, default=None, help="seed for identical weights")
    add_spec_options(comp)
    comp.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = check_spec(args.file, args)
    status = report(result, err)
    if status != EXIT_OK or result.graph is None:
        return status
    from jumpdsl.backends.summary import format_summary, summarize
    from jumpdsl.backends.torch_fx import build_module
    from jumpdsl.backends.torch_runtime import DeviceError, pick_device, prepare

    graph = result.graph
    try:
        device = pick_device(args.device)
    except DeviceError as exc:
        raise UsageError(str(exc)) from None
    module = build_module(graph, seed=args.seed)
    if args.code:
        print(module.code.strip(), file=out)
        return EXIT_OK
    runnable, compiled = prepare(
        module,
        device,
        torch_compile=False if args.no_torch_compile else (args.torch_compile or None),
        mode=args.compile_mode,
    )
    summary = summarize(graph, batch_size=args.batch_size)
    forward = _forward(runnable, compiled, tuple(graph.input_shape), args.batch_size, device, err)
    expected = [args.batch_size, *summary["output_shape"]]
    forward["ok"] = forward["output_shape"] == expected
    summary.update(device=str(device), torch_compile=compiled, forward=forward)
    summary["torch_params"] = sum(p.numel() for p in module.parameters() if p.requires_grad)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2), file=out)
    else:
        print(format_summary(summary), file=out)
        mode = "torch.compile" if compiled else "eager"
        print(
            f"forward pass on {device} ({mode}): batch {args.batch_size} → "
            f"{tuple(forward['output_shape'])} in {forward['seconds'] * 1000:.1f} ms",
            file=out,
        )
    if forward["ok"] and summary["torch_params"] != summary["params"]:
        wrong = _plugin_counts_wrong(graph, module)
        if wrong:  # a plugin's parameter count disagrees with its own module: its bug
            print(render_text(wrong, result.sources), file=err)
            return EXIT_SPEC
    if not forward["ok"] or summary["torch_params"] != summary["params"]:
        print(
            f"internal error: torch gives {forward['output_shape']} and "
            f"{summary['torch_params']} params; the shape pass {expected} and {summary['params']}",
            file=err,
        )
        return EXIT_BUG
    return EXIT_OK


def _forward(
    runnable: Any, compiled: bool, shape: tuple[int, ...], batch: int, device: Any, err: TextIO
) -> dict[str, Any]:
    """The test forward pass; under torch.compile its first call compiles (up to minutes on a
    CPU, with nothing to show), so that is said before and timed, and the pass is run again."""
    from jumpdsl.backends.torch_runtime import smoke_forward

    if not compiled:
        return smoke_forward(runnable, shape, batch, device)
    print(
        f"torch.compile: compiling the model for {device} (may take a minute on CPU)…",
        file=err,
        flush=True,
    )
    first = smoke_forward(runnable, shape, batch, device)
    print(f"torch.compile: compiled in {first['seconds']:.1f} s", file=err, flush=True)
    return smoke_forward(runnable, shape, batch, device)


def _plugin_counts_wrong(graph: Graph, module: Any) -> list[Diagnostic]:
    """A diagnostic for each plugin op whose parameter count is not its module's; empty when
    a core op disagrees too (then it is jumpdsl's bug)."""
    from jumpdsl.passes.shapes import Shapes

    sink = DiagnosticSink()
    for node in graph.nodes():
        if node.is_input:
            continue
        counted = graph.get(Shapes, node.id).params
        made = sum(p.numel() for k, p in module.named_parameters() if k.startswith(node.id + "."))
        if counted == made:
            continue
        plugin = graph.ops.origin(node.op)
        if plugin is None:
            return []
        error = f"it counts {counted:,} parameters, its torch module holds {made:,}"
        stage = "parameter count"
        sink.report(
            M.PLUGIN_OP_FAILED,
            node.span,
            op=node.op,
            plugin=plugin.describe(),
            stage=stage,
            error=error,
        )
    return sink.sorted()
