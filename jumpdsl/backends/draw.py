"""The drawing pipeline in one call: checked IR and options → the bytes of a figure.

view (what to show) → DOT (how it looks, every box sized from the real font) → fit (the font
size and columns that fit ``--width``) → Graphviz (where it goes) → svg, pdf, png, dot or tex;
or, in the 3-D style, the view straight to svg or tex. No torch anywhere on this path:
``jumpdsl draw`` works where torch is not installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from xml.sax.saxutils import escape

from jumpdsl.backends.draw_3d import render_3d
from jumpdsl.backends.draw_fit import PAGE_HEIGHT, Fitted, fit, layout_size, smallest_text
from jumpdsl.backends.draw_fonts import Font, resolve_font
from jumpdsl.backends.draw_theme import theme
from jumpdsl.backends.draw_view import FocusError, View
from jumpdsl.backends.graphviz_dot import DrawOptions, Fit, build_dot, view_of
from jumpdsl.backends.graphviz_render import FORMATS, DrawError, layout, render, use_system
from jumpdsl.backends.tikz import to_tikz
from jumpdsl.ir.graph import Graph

__all__ = ["FORMATS", "DrawError", "DrawOptions", "Figure", "draw", "draw_figure"]

_WIDTH_FONT = 8.0  # the base font size of a figure fitted to a width: a paper's figure text


@dataclass(frozen=True)
class Figure:
    """A drawn figure: its bytes and, where it was laid out here, its size in points, its
    smallest text in points, how many columns its flow was folded into, and whether it fits
    the width asked for with no text under the minimum."""

    data: bytes
    width: float | None = None
    height: float | None = None
    smallest: float | None = None
    columns: int = 1
    fits: bool = True


def draw(
    graph: Graph,
    fmt: str,
    options: DrawOptions | None = None,
    *,
    system_dot: bool | None = None,
    dpi: float | None = None,
) -> bytes:
    """The figure of a checked IR graph in ``fmt``; :class:`DrawError` says what is missing."""
    return draw_figure(graph, fmt, options, system_dot=system_dot, dpi=dpi).data


def draw_figure(
    graph: Graph,
    fmt: str,
    options: DrawOptions | None = None,
    *,
    system_dot: bool | None = None,
    dpi: float | None = None,
) -> Figure:
    """:func:`draw`, with what was measured of the figure."""
    options = options or DrawOptions()
    if fmt not in FORMATS:
        raise DrawError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    try:
        view = view_of(graph, options)
    except FocusError as exc:
        raise DrawError(str(exc)) from None
    system = use_system(system_dot) if fmt != "dot" else True
    look = theme(options.theme, options.font, options.font_size)
    font = resolve_font(look.font, system=system)
    if options.style == "3d":
        if fmt not in ("svg", "tex"):
            raise DrawError(f"--style 3d draws .svg and .tex, not .{fmt}")
        scene = render_3d(graph, view, options, fmt, font)
        return Figure(scene.data, scene.width, scene.height, scene.smallest, fits=scene.fits)
    base = options.font_size or (_WIDTH_FONT if options.width else look.font_size)
    height = options.height if options.height is not None else PAGE_HEIGHT
    make = partial(_dot, graph, options, view, system, font)
    lay_out = partial(layout, system_dot=system)
    fitted = fit(
        make,
        lay_out,
        base,
        width=options.width,
        height=height if options.rankdir == "TB" else None,
        min_font=options.min_font,
        rankdir=options.rankdir,
    )
    if fmt == "dot":
        return _figure(fitted.source.encode("utf-8"), fitted)
    if fmt == "tex":
        placed = fitted.layout or lay_out(fitted.source)
        name = f"{graph.name}-{fitted.fit.font_size:g}-{fitted.fit.columns}"
        data = to_tikz(placed, name=name).encode("utf-8")
        return _figure(data, Fitted(fitted.fit, fitted.source, placed, fitted.fits))
    data = render(fitted.source, fmt, system_dot=system, dpi=dpi)
    if fmt == "svg":
        data = _svg_fonts(data, font.css)
    return _figure(data, fitted)


def _dot(
    graph: Graph, options: DrawOptions, view: View, system: bool, font: Font, at: Fit
) -> tuple[str, int]:
    return build_dot(graph, options, fit=at, system=system, view=view, font=font)


def _figure(data: bytes, fitted: Fitted) -> Figure:
    if fitted.layout is None:
        return Figure(data, columns=fitted.fit.columns)
    width, height = layout_size(fitted.layout)
    smallest = smallest_text(fitted.layout)
    return Figure(data, width, height, smallest, fitted.fit.columns, fitted.fits)


_FONT_FAMILY = re.compile(rb'font-family="[^"]*"')


def _svg_fonts(svg: bytes, css: str) -> bytes:
    """Every text in the real font first, then what was asked for, then the generic family:
    the SVG reads the same where the real font is missing. The list is the user's words
    (``--font``): escaped for the attribute, and given as a function so no backslash in it
    reads as a group of the pattern."""
    value = b'font-family="' + escape(css, {'"': "&quot;"}).encode("utf-8") + b'"'
    return _FONT_FAMILY.sub(lambda _: value, svg)
