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
    add_verb,
    check_spec,
    make_folder,
    report,
    write_output,
)
from jumpdsl.options import (
    DRAW_ENGINES,
    DRAW_FORMATS,
    DRAW_STYLES,
    DRAW_WIDTHS,
    FONT_NAME,
    RANKDIRS,
    THEMES,
)

if TYPE_CHECKING:
    from jumpdsl.backends.draw import DrawOptions, Figure

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    draw = add_verb(
        sub,
        "draw",
        "draw specs with Graphviz (.svg, .pdf, .png, .dot, .tex)",
        "Draw a spec as a figure: stem, learner and task, with the jumps and skips, boxes "
        "collapsed to --depth; the suffix of -o picks the format. Works without torch and, "
        "for .svg and .png, without Graphviz installed (docs/drawing.md).",
        [
            "jumpdsl draw specs/jumpnet.jnet -o jumpnet.svg --depth 1",
            "jumpdsl draw resnet50 -o r50.pdf --theme paper --width column  # a paper's column",
            "jumpdsl draw specs/*.jnet -d figures --format png --dpi 300",
        ],
    )
    _add_output_options(draw)
    _add_look_options(draw)
    _add_fit_options(draw)
    add_spec_options(draw)
    draw.set_defaults(func=run)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """What to draw and where it goes."""
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="spec files, or zoo model names (jumpdsl zoo)"
    )
    parser.add_argument("-o", "--output", help="output file; the suffix picks the format")
    parser.add_argument("-d", "--outdir", help="directory for one figure per spec")
    parser.add_argument(
        "--format",
        default="svg",
        choices=DRAW_FORMATS,
        help="format of the figures written with -d (default svg)",
    )
    parser.add_argument(
        "--depth",
        type=int,
        help="1: stem, groups, task as boxes; 2: blocks; 3: every layer "
        "(default: the deepest that stays under 100 nodes)",
    )
    parser.add_argument("--focus", metavar="PART", help="draw one part alone: learner.group2")


def _add_look_options(parser: argparse.ArgumentParser) -> None:
    """How the figure looks: direction, theme, fonts, what the boxes and edges show."""
    parser.add_argument(
        "--rankdir", default="TB", choices=RANKDIRS, help="flow direction: top-down or left-right"
    )
    parser.add_argument(
        "--theme", default="color", choices=THEMES, help="colours, or paper's greys and Times"
    )
    parser.add_argument("--font", help="font family (default: Helvetica; paper: Times-Roman)")
    parser.add_argument("--font-size", type=float, metavar="PT", help="base font size (10)")
    parser.add_argument("--params", action="store_true", help="parameter counts in the boxes")
    parser.add_argument("--no-shapes", action="store_true", help="hide tensor shapes on edges")
    parser.add_argument("--all-shapes", action="store_true", help="a shape on every edge")
    parser.add_argument("--no-legend", action="store_true", help="leave out the legend")
    parser.add_argument("--dpi", type=float, help="resolution of .png figures (default 96)")


def _add_fit_options(parser: argparse.ArgumentParser) -> None:
    """Sizing for print, folding, style and engine."""
    parser.add_argument(
        "--width",
        metavar="W",
        help="fit this width: 3.3in, 8.5cm, 240pt, or column (3.3 in) / page (7 in); the "
        "font shrinks to --min-font at most, a long flow folds into columns",
    )
    parser.add_argument(
        "--height",
        metavar="H",
        help="with --width: fold a taller figure into columns (default 9in, a page)",
    )
    parser.add_argument(
        "--min-font", type=float, default=6.0, metavar="PT", help="smallest text with --width"
    )
    parser.add_argument(
        "--expand", action="store_true", help="draw every repeated instance (no ×n collapse)"
    )
    parser.add_argument(
        "--fold-convs", action="store_true", help="each conv with its bn and relu as one box"
    )
    parser.add_argument(
        "--style",
        default="flat",
        choices=DRAW_STYLES,
        help="flat: boxes and arrows (Graphviz); 3d: tensors as boxes sized by their shape "
        "(.svg, .tex)",
    )
    parser.add_argument(
        "--engine",
        default="auto",
        choices=DRAW_ENGINES,
        help="Graphviz to use: the system's 'dot', the embedded graphviz-pure (.svg, .png, "
        ".tex), or auto (the system's where installed)",
    )


def _targets(args: argparse.Namespace) -> list[tuple[str, Path]]:
    if args.output and args.outdir:
        raise UsageError("give either -o FILE or -d DIR, not both")
    if args.output:
        if len(args.files) != 1:
            raise UsageError("-o takes one spec; use -d DIR to draw several")
        return [(args.files[0], Path(args.output))]
    if args.outdir:
        outdir = make_folder(Path(args.outdir), "-d")
        return [(f, outdir / (Path(f).stem + "." + args.format)) for f in args.files]
    raise UsageError("say where to write: -o FILE (.svg, .pdf, .png, .dot, .tex) or -d DIR")


def _options(args: argparse.Namespace) -> DrawOptions:
    from jumpdsl.backends.draw import DrawOptions

    if args.depth is not None and args.depth < 1:
        raise UsageError("--depth must be 1 (stem, groups, task), 2 (blocks), 3 (layers) or more")
    shapes = "none" if args.no_shapes else "all" if args.all_shapes else "changes"
    if args.font is not None and not FONT_NAME.fullmatch(args.font):
        raise UsageError(
            f"--font {args.font!r}: a font family's name has letters, digits, spaces and "
            "- _ . , + ' only"
        )
    if args.min_font <= 0:
        raise UsageError("--min-font must be a size in points above 0")
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
        width=length(args.width, "--width") if args.width else None,
        height=length(args.height, "--height") if args.height else None,
        min_font=args.min_font,
        collapse=not args.expand,
        fold=args.fold_convs,
        style=args.style,
    )


_UNITS = {"in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "pt": 72 / 72.27, "bp": 1.0}


def length(text: str, option: str) -> float:
    """A length as a user writes it (``3.3in``, ``8.5cm``, ``240pt``, ``column``, ``page``;
    a bare number is inches), in PostScript points."""
    named = DRAW_WIDTHS.get(text.lower())
    if named is not None:
        return named * 72
    number, unit = text, "in"
    for suffix in _UNITS:
        if text.lower().endswith(suffix):
            number, unit = text[: -len(suffix)], suffix
            break
    try:
        value = float(number)
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: give a length (3.3in, 8.5cm, 240pt) or column / page"
        ) from None
    if value <= 0:
        raise UsageError(f"{option} must be more than 0")
    return value * _UNITS[unit]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.backends.draw import DrawError

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
        status = report(result, err, args.max_errors)
        if status != EXIT_OK or result.graph is None:
            code = max(code, status)
            continue
        figures: list[Figure] = []
        drawing = partial(_drawn, figures, result.graph, fmt, options, system, args.dpi)
        write_output(target, drawing, args.files, DrawError)
        print(f"wrote {target}{_measured(figures[-1], options)}", file=out)
    return code


def _drawn(
    figures: list[Figure],
    graph: Any,
    fmt: str,
    options: DrawOptions,
    system: bool | None,
    dpi: float | None,
) -> bytes:
    from jumpdsl.backends.draw import draw_figure

    figures.append(draw_figure(graph, fmt, options, system_dot=system, dpi=dpi))
    return figures[-1].data


def _measured(figure: Figure, options: DrawOptions) -> str:
    """`` (3.30 × 4.10 in, text ≥ 6.8 pt, 2 columns)``, where the figure was laid out here;
    and what does not fit."""
    if figure.width is None or figure.height is None:
        return ""
    parts = [f"{figure.width / 72:.2f} × {figure.height / 72:.2f} in"]
    if figure.smallest is not None:
        parts.append(f"text ≥ {figure.smallest:.1f} pt")
    if figure.columns > 1:
        parts.append(f"{figure.columns} columns")
    text = " (" + ", ".join(parts) + ")"
    if not figure.fits and options.width is not None:
        text += (
            f"; wider than --width {options.width / 72:.2f} in even at --min-font "
            f"{options.min_font:g} pt: try a lower --depth, --fold-convs or a wider --width"
        )
    return text
