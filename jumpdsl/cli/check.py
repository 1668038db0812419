"""``jumpdsl check``: parse, lower and shape-check specs; diagnostics as text or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from jumpdsl.cli.common import (
    EXIT_OK,
    EXIT_SPEC,
    EXIT_USAGE,
    add_resource_options,
    add_spec_options,
    add_verb,
    check_spec,
    report,
    unreadable,
    within_limits,
)
from jumpdsl.options import DIAGNOSTIC_FORMATS
from jumpdsl.report import capped, left_out_line, render_json

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    check = add_verb(
        sub,
        "check",
        "parse, lower and shape-check specs",
        "Parse, lower and shape-check specs, and print what is wrong with each (the line, "
        "what is wrong, how to fix it), or one line per good spec: its parameters and shapes. "
        "Exit 1 when a spec has errors. Torch is not needed.",
        [
            "jumpdsl check specs/jumpnet.jnet                 # one spec",
            "jumpdsl check resnet50                           # a zoo model by name",
            "jumpdsl check specs/*.jnet --format json         # several; diagnostics as JSON",
        ],
    )
    check.add_argument(
        "files", nargs="+", metavar="FILE", help="spec files, or zoo model names (jumpdsl zoo)"
    )
    check.add_argument(
        "--format",
        choices=DIAGNOSTIC_FORMATS,
        default="text",
        help="diagnostics as text on stderr or as JSON on stdout",
    )
    add_spec_options(check)
    add_resource_options(check)
    check.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    code = EXIT_OK
    reports = []
    for path in args.files:
        result = within_limits(check_spec(path, args), args, warn=True)
        if args.format == "json":
            shown, left_out = capped(result.diagnostics, args.max_errors)
            entry = {"path": path, "ok": result.ok, "diagnostics": json.loads(render_json(shown))}
            if left_out:  # --max-errors cut the list: say how much is missing
                entry["omitted"] = {"count": len(left_out), "message": left_out_line(left_out)}
            reports.append(entry)
            status = EXIT_USAGE if unreadable(result) else EXIT_OK if result.ok else EXIT_SPEC
        else:
            status = report(result, err, args.max_errors)
            if status == EXIT_OK and result.graph is not None:
                from jumpdsl.backends.summary import shown_outputs, summarize

                s = summarize(result.graph)
                print(
                    f"{path}: ok: {s['name']}, {s['params']:,} params, "
                    f"{'×'.join(map(str, s['input_shape']))} → {shown_outputs(s)}",
                    file=out,
                )
        code = max(code, status)
    if args.format == "json":
        print(json.dumps(reports, ensure_ascii=False, indent=2), file=out)
    return code
