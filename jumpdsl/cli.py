"""The command line: the only code in jumpdsl that prints.

Exit codes: 0 success; 1 errors in a spec; 2 usage or I/O errors; 101 an internal error (a bug:
one line on stderr and a report file); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from jumpdsl import __version__
from jumpdsl import diagnostics as D
from jumpdsl.api import Checked, check_file, check_source_text, parse_override
from jumpdsl.diagnostics import DiagnosticSink, Severity
from jumpdsl.ir.lower import Limits
from jumpdsl.report import render_json, render_text

if TYPE_CHECKING:
    from jumpdsl.backends.draw import DrawOptions

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_SPEC, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPT = 0, 1, 2, 101, 130


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


# ---------------------------------------------------------------- shared pieces


def _overrides(pairs: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set expects NAME=VALUE, got '{pair}'")
        sink = DiagnosticSink()
        value = parse_override(name.strip(), text, sink)
        if value is None:
            problem = sink.items[0].message if sink.items else "not a value"
            raise UsageError(f"--set {pair}: {problem}")
        values[name.strip()] = value
    return values


def _check(path: str, args: argparse.Namespace) -> Checked:
    limits = Limits(max_nodes=args.max_nodes)
    return check_file(path, _overrides(args.set), limits=limits)


def _report(result: Checked, err: TextIO) -> int:
    """Print the diagnostics; the exit code they call for."""
    if result.diagnostics:
        print(render_text(result.diagnostics, result.sources), file=err)
    if any(d.code == D.CANNOT_READ.code for d in result.diagnostics):
        return EXIT_USAGE
    if not result.ok:
        if result.graph is None and not any(
            d.severity is Severity.ERROR for d in result.diagnostics
        ):
            print(f"{result.path}: no network in this file (nothing to build)", file=err)
        return EXIT_SPEC
    return EXIT_OK


def _write_output(
    target: Path, produce: Callable[[], bytes], inputs: Sequence[str], expected: type[Exception]
) -> None:
    """Make the bytes and write them atomically, never over an input spec; the ``expected``
    errors of making them, and I/O errors, are usage errors."""
    from jumpdsl.fileio import OverwriteInputError, write_atomic

    try:
        write_atomic(target, produce(), inputs=inputs)
    except (expected, OverwriteInputError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def _add_spec_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help='set a network parameter (a .jnet value: 100, [16, 32], "[(32, 3), (64, 4)]")',
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=Limits().max_nodes,
        help="fail when the network expands past this many layers (default %(default)s)",
    )


# ---------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    code = EXIT_OK
    reports = []
    for path in args.files:
        result = _check(path, args)
        if args.format == "json":
            reports.append(
                {
                    "path": path,
                    "ok": result.ok,
                    "diagnostics": json.loads(render_json(result.diagnostics)),
                }
            )
            status = EXIT_OK if result.ok else EXIT_SPEC
            if any(d.code == D.CANNOT_READ.code for d in result.diagnostics):
                status = EXIT_USAGE
        else:
            status = _report(result, err)
            if status == EXIT_OK and result.graph is not None:
                from jumpdsl.backends.summary import summarize

                s = summarize(result.graph)
                print(
                    f"{path}: ok: {s['name']}, {s['params']:,} params, "
                    f"{'×'.join(map(str, s['input_shape']))} → "
                    f"{'×'.join(map(str, s['output_shape']))}",
                    file=out,
                )
        code = max(code, status)
    if args.format == "json":
        print(json.dumps(reports, ensure_ascii=False, indent=2), file=out)
    return code


# ---------------------------------------------------------------- compile


def cmd_compile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = _check(args.file, args)
    status = _report(result, err)
    if status != EXIT_OK or result.graph is None:
        return status
    from jumpdsl.backends.summary import format_summary, summarize
    from jumpdsl.backends.torch_fx import build_module
    from jumpdsl.backends.torch_runtime import pick_device, prepare, smoke_forward

    graph = result.graph
    try:
        device = pick_device(args.device)
    except RuntimeError as exc:
        raise UsageError(f"--device {args.device}: {exc}") from None
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
    forward = smoke_forward(runnable, tuple(graph.graph["input_shape"]), args.batch_size, device)
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
    if not forward["ok"] or summary["torch_params"] != summary["params"]:
        print(
            f"internal error: torch gives {forward['output_shape']} and "
            f"{summary['torch_params']} params; the shape pass {expected} and {summary['params']}",
            file=err,
        )
        return EXIT_BUG
    return EXIT_OK


# ---------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.backends.export import FORMATS, ExportError, export_bytes

    target = Path(args.output)
    if target.suffix.lower() not in FORMATS:
        raise UsageError(f"{target}: unknown format; end the name in {', '.join(FORMATS)}")
    result = _check(args.file, args)
    status = _report(result, err)
    if status != EXIT_OK or result.graph is None:
        return status
    origin = " ".join([args.file, *(f"--set {pair}" for pair in args.set)])
    exporting = partial(export_bytes, result.graph, target.suffix, seed=args.seed, origin=origin)
    _write_output(target, exporting, [args.file], ExportError)
    print(f"wrote {target}", file=out)
    return EXIT_OK


# ---------------------------------------------------------------- draw


def _draw_targets(args: argparse.Namespace) -> list[tuple[str, Path]]:
    if args.output and args.outdir:
        raise UsageError("give either -o FILE or -d DIR, not both")
    if args.output:
        if len(args.files) != 1:
            raise UsageError("-o takes one spec; use -d DIR to draw several")
        return [(args.files[0], Path(args.output))]
    if args.outdir:
        outdir = Path(args.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        return [(f, outdir / (Path(f).stem + "." + args.format)) for f in args.files]
    raise UsageError("say where to write: -o FILE (.svg, .pdf, .png, .dot, .tex) or -d DIR")


def _draw_options(args: argparse.Namespace) -> DrawOptions:
    from jumpdsl.backends.draw import DrawOptions

    if args.depth is not None and args.depth < 1:
        raise UsageError("--depth must be 1 (stem, groups, task), 2 (blocks), 3 (layers) or more")
    shapes = "none" if args.no_shapes else "all" if args.all_shapes else "changes"
    return DrawOptions(
        depth=args.depth,
        focus=args.focus,
        rankdir=args.rankdir,
        shapes=shapes,
        params=args.params,
        legend=not args.no_legend,
        theme=args.theme,
        font=args.font,
        font_size=args.font_size,
    )


def _add_draw_parser(sub: Any) -> None:
    draw = sub.add_parser("draw", help="draw specs with Graphviz (.svg, .pdf, .png, .dot, .tex)")
    draw.add_argument("files", nargs="+", metavar="FILE")
    draw.add_argument("-o", "--output", help="output file; the suffix picks the format")
    draw.add_argument("-d", "--outdir", help="directory for one figure per spec")
    draw.add_argument(
        "--format",
        default="svg",
        choices=("svg", "pdf", "png", "dot", "tex"),
        help="format of the figures written with -d (default svg)",
    )
    draw.add_argument(
        "--depth",
        type=int,
        help="1: stem, groups, task as boxes; 2: blocks; 3: every layer "
        "(default: the deepest that stays under 100 nodes)",
    )
    draw.add_argument("--focus", metavar="PART", help="draw one part alone: learner.group2")
    draw.add_argument("--rankdir", default="TB", choices=("TB", "LR"), help="flow direction")
    draw.add_argument("--theme", default="color", choices=("color", "paper"))
    draw.add_argument("--font", help="font family (default: Helvetica; paper: Times-Roman)")
    draw.add_argument("--font-size", type=float, metavar="PT", help="base font size (10)")
    draw.add_argument("--params", action="store_true", help="parameter counts in the boxes")
    draw.add_argument("--no-shapes", action="store_true", help="hide tensor shapes on edges")
    draw.add_argument("--all-shapes", action="store_true", help="a shape on every edge")
    draw.add_argument("--no-legend", action="store_true", help="leave out the legend")
    draw.add_argument("--dpi", type=float, help="resolution of .png figures (default 96)")
    draw.add_argument(
        "--engine",
        default="auto",
        choices=("auto", "system", "embedded"),
        help="Graphviz to use: system 'dot', embedded WebAssembly (.svg, .tex), or auto",
    )
    _add_spec_options(draw)
    draw.set_defaults(func=cmd_draw)


def cmd_draw(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.backends.draw import FORMATS, DrawError, draw

    code = EXIT_OK
    options = _draw_options(args)
    system = {"auto": None, "system": True, "embedded": False}[args.engine]
    for spec, target in _draw_targets(args):
        fmt = target.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise UsageError(
                f"{target}: unknown format; end the name in .svg, .pdf, .png, .dot or .tex"
            )
        result = _check(spec, args)
        status = _report(result, err)
        if status != EXIT_OK or result.graph is None:
            code = max(code, status)
            continue
        drawing = partial(draw, result.graph, fmt, options, system_dot=system, dpi=args.dpi)
        _write_output(target, drawing, args.files, DrawError)
        print(f"wrote {target}", file=out)
    return code


# ---------------------------------------------------------------- fmt


def _fmt_paths(names: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        paths += sorted(path.rglob("*.jnet")) if path.is_dir() else [path]
    return paths


def _fmt_stdin(out: TextIO, err: TextIO) -> int:
    from jumpdsl.formatting import format_source
    from jumpdsl.source import SourceDecodeError, SourceFile, decode_source

    try:
        text = decode_source(sys.stdin.buffer.read())
    except SourceDecodeError as exc:
        raise UsageError(f"<stdin>: {exc}") from None
    result = format_source(SourceFile("<stdin>", text))
    if result.text is None:
        print(render_text(result.diagnostics, {"<stdin>": SourceFile("<stdin>", text)}), file=err)
        return EXIT_SPEC
    out.write(result.text)
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.fileio import write_atomic
    from jumpdsl.formatting import format_source

    if args.files == ["-"]:
        return _fmt_stdin(out, err)
    code, changed = EXIT_OK, 0
    paths = _fmt_paths(args.files)
    for path in paths:
        result = check_source_text(path)
        if isinstance(result, Checked):  # unreadable or not UTF-8
            code = max(code, _report(result, err))
            continue
        formatted = format_source(result)
        if formatted.text is None:
            print(render_text(formatted.diagnostics, {result.path: result}), file=err)
            code = max(code, EXIT_SPEC)
        elif formatted.changed:
            changed += 1
            if args.check:
                print(f"would reformat {path}", file=out)
                code = max(code, EXIT_SPEC)
            else:
                write_atomic(path, formatted.text.encode("utf-8"))
                print(f"reformatted {path}", file=out)
    verb = "would be reformatted" if args.check else "reformatted"
    print(f"{changed} of {len(paths)} files {verb}", file=err)
    return code


# ---------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jumpdsl",
        description="Check, draw and compile neural networks written in .jnet.",
    )
    parser.add_argument("--version", action="version", version=f"jumpdsl {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="parse, lower and shape-check specs")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--format", choices=("text", "json"), default="text")
    _add_spec_options(check)
    check.set_defaults(func=cmd_check)

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
    comp.add_argument(
        "--compile-mode", default="default", choices=("default", "reduce-overhead", "max-autotune")
    )
    comp.add_argument(
        "--batch-size",
        type=int,
        default=2,
        help="batch of the test forward pass and of the activation-memory figures",
    )
    comp.add_argument("--seed", type=int, default=None, help="seed for identical weights")
    _add_spec_options(comp)
    comp.set_defaults(func=cmd_compile)

    export = sub.add_parser(
        "export", help="write PyTorch source (.py), ONNX (.onnx) or a torch.export program (.pt2)"
    )
    export.add_argument("file", metavar="FILE")
    export.add_argument(
        "-o", "--output", required=True, help="output file; the suffix picks the format"
    )
    export.add_argument("--seed", type=int, default=None, help="seed for identical weights")
    _add_spec_options(export)
    export.set_defaults(func=cmd_export)

    _add_draw_parser(sub)

    fmt = sub.add_parser("fmt", help="rewrite specs in canonical form (comments kept)")
    fmt.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="files or folders of .jnet files; '-' reads stdin, writes stdout",
    )
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a file would change"
    )
    fmt.set_defaults(func=cmd_fmt)

    from jumpdsl.train.cli import register as register_training  # train, eval (no torch here)

    register_training(sub)
    return parser


def _crash_report(exc: BaseException) -> str:
    fd, path = tempfile.mkstemp(prefix="jumpdsl-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"jumpdsl {__version__}, python {sys.version.split()[0]}, {time.ctime()}\n")
        handle.write(f"argv: {sys.argv!r}\n\n")
        handle.write("".join(traceback.format_exception(exc)))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        return int(args.func(args, out, err))
    except UsageError as exc:
        print(f"jumpdsl: {exc}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPT
    except BrokenPipeError:
        # The reader went away (`jumpdsl check … | head -1`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        report = _crash_report(exc)
        print(
            f"jumpdsl: internal error ({type(exc).__name__}); this is a bug in jumpdsl. "
            f"Details are in {report}; rerun with --debug for the traceback.",
            file=err,
        )
        return EXIT_BUG
