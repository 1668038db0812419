"""``jumpdsl draw``: figures with Graphviz (.svg, .pdf, .png, .dot, .tex)."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from jumpdsl.cli.common import (
    EXIT_OK,
    UsageError,
    add_spec_options,
    check_spec,
    report,
    write_output,
)
from jumpdsl.options import DRAW_ENGINES, DRAW_FORMATS, RANKDIRS, THEMES

if TYPE_CHECKING:
    from jumpdsl.backends.draw import DrawOptions

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    draw = sub.add_parser("draw", help="draw specs with Graphviz (.svg, .pdf, .png, .dot, .tex)")
    draw.add_argument("files", nargs="+", metavar="FILE")
    draw.add_argument("-o", "--output", help="output file; the suffix picks the format")
    draw.add_argument("-d", "--outdir", help="directory for one figure per spec")
    draw.add_argument(
        "--format",
        default="svg",
        choices=DRAW_FORMATS,
        help="format of the figures written with -d (default svg)",
    )
    draw.add_argument(
        "--depth",
        type=int,
        help="1: stem, groups, task as boxes; 2: blocks; 3: every layer "
        "(default: the deepest that stays under 100 nodes)",
    )
    draw.add_argument("--focus", metavar="PART", help="draw one part alone: learner.group2")
    draw.add_argument("--rankdir", default="TB", choices=RANKDIRS, help="flow direction")
    draw.add_argument("--theme", default="color", choices=THEMES)
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
        choices=DRAW_ENGINES,
        help="Graphviz to use: system 'dot', embedded WebAssembly (.svg, .tex), or auto",
    )
    add_spec_options(draw)
    draw.set_defaults(func=run)


def _targets(args: argparse.Namespace) -> list[tuple[str, Path]]:
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


def _options(args: argparse.Namespace) -> DrawOptions:
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


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.backends.draw import DrawError, draw

    code = EXIT_OK
    options = _options(args)
    system = {"auto": None, "system": True, "embedded": False}[args.engine]
    for spec, target in _targets(args):
        fmt = target.suffix.lstrip(".").lower()
        if fmt not in DRAW_FORMATS:
            raise UsageError(
                f"{target}: unknown format; end the name in .svg, .pdf, .png, .dot or .tex"
            )
        result = check_spec(spec, args)
        status = report(result, err)
        if status != EXIT_OK or result.graph is None:
            code = max(code, status)
            continue
        drawing = partial(draw, result.graph, fmt, options, system_dot=system, dpi=args.dpi)
        write_output(target, drawing, args.files, DrawError)
        print(f"wrote {target}", file=out)
    return code
