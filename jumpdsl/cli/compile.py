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
    add_resource_options,
    add_spec_options,
    add_verb,
    at_least_one,
    check_spec,
    report,
    within_limits,
)
from jumpdsl.diagnostics import Diagnostic, DiagnosticSink
from jumpdsl.ir.graph import Graph
from jumpdsl.options import COMPILE_MODES
from jumpdsl.report import render_text

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    comp = add_verb(
        sub,
        "compile",
        "build the torch module, run a forward pass, summarise",
        "Build the spec's torch.nn.Module, run one forward pass on random data and print a "
        "summary: totals first (parameters trainable and not, their size, buffers, MACs, "
        "activation memory), then the layers collapsed by hierarchy to --depth with "
        "subtotals. torch.compile is used on CUDA.",
        [
            "jumpdsl compile specs/jumpnet.jnet                  # totals and the groups",
            "jumpdsl compile resnet50 --depth all --batch-size 32  # every layer",
            "jumpdsl compile specs/jumpnet.jnet --json           # everything, as JSON",
        ],
    )
    comp.add_argument("file", metavar="FILE", help="a spec file, or a zoo model's name")
    comp.add_argument("--json", action="store_true", help="the summary as one JSON object")
    comp.add_argument("--code", action="store_true", help="print the generated forward code")
    comp.add_argument(
        "--device", default="auto", help="cpu, cuda, cuda:1, … (default: auto, CUDA where found)"
    )
    compiling = comp.add_mutually_exclusive_group()
    compiling.add_argument(
        "--no-torch-compile",
        action="store_true",
        help="stay eager on CUDA too (torch.compile is the default there)",
    )
    compiling.add_argument(
        "--torch-compile", action="store_true", help="use torch.compile on the CPU too"
    )
    comp.add_argument(
        "--compile-mode", default="default", choices=COMPILE_MODES, help="torch.compile's mode"
    )
    comp.add_argument(
        "--batch-size",
        type=at_least_one,
        default=2,
        help="batch of the test forward pass and of the activation-memory figures",
    )
    comp.add_argument(
        "--seed", type=int, default=None, help="seed for identical weights (default: random)"
    )
    comp.add_argument(
        "--depth",
        type=_depth,
        default=2,
        metavar="N",
        help="rows of the table down to this level of the hierarchy, with subtotals: 1 the "
        "sections, 2 their groups, … 'all' every layer (default %(default)s; --json has all)",
    )
    comp.add_argument("--brief", action="store_true", help="only the totals, no table")
    add_spec_options(comp)
    add_resource_options(comp)
    comp.set_defaults(func=run)


def _depth(text: str) -> int | None:
    """``--depth``: a level from 1, or ``all``."""
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a level from 1, or 'all'; got '{text}'")
    return int(text)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = within_limits(check_spec(args.file, args), args, batch=args.batch_size)
    status = report(result, err, args.max_errors)
    if status != EXIT_OK or result.graph is None:
        return status
    from jumpdsl.backends.summary import format_summary, summarize, with_module_counts
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
    summary = with_module_counts(summarize(graph, batch_size=args.batch_size), module)
    forward = _forward(runnable, compiled, tuple(graph.input_shape), args.batch_size, device, err)
    expected = [args.batch_size, *summary["output_shape"]]
    forward["ok"] = forward["output_shape"] == expected
    if "outputs" in summary:  # named outputs: each one's shape as the shape pass says
        shapes = {k: [args.batch_size, *v] for k, v in summary["outputs"].items()}
        forward["ok"] = forward.get("output_shapes") == shapes
    summary.update(device=str(device), torch_compile=compiled, forward=forward)
    summary["torch_params"] = sum(p.numel() for p in module.parameters() if p.requires_grad)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2), file=out)
    else:
        print(format_summary(summary, args.depth, args.brief), file=out)
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
