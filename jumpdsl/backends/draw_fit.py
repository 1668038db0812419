"""Sizing for print: a figure that fits a width with no text under a minimum size.

The figure is laid out at the theme's font size; if it is wider than asked, it is laid out again
at the smaller size that fits (sizes, gaps and margins all follow the font, so the figure keeps
its look), never under ``min_font`` for its smallest text (the shape labels). A main flow that
makes a figure taller than the page (top to bottom) is folded into columns, as many as fit the
width at a readable size; a left-to-right flow too long for the width is folded into rows
before any text is shrunk. Every trial is a real Graphviz layout, so what is measured is what
is drawn. No torch here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jumpdsl.backends.draw_labels import WRAP
from jumpdsl.backends.draw_sizes import SMALL
from jumpdsl.backends.graphviz_dot import Fit

__all__ = ["MAX_COLUMNS", "PAGE_HEIGHT", "Fitted", "fit", "layout_size", "smallest_text"]

PAGE_HEIGHT = 9 * 72.0  # a paper's text height, in points: taller figures fold into columns
MAX_COLUMNS = 8
_MARGIN = 0.995  # fit a hair inside the width: layouts do not scale exactly with the font
_ROUNDING = 1.005  # Graphviz rounds an SVG's size to whole points: the text may print 0.3% smaller
# Narrower before the text gets smaller than the minimum: a box's lines (characters), then no
# frames around the sections.
_NARROWER = ((WRAP, True), (16, True), (10, True), (10, False))


@dataclass(frozen=True)
class Fitted:
    """The fit chosen, its DOT, and its layout (None when no width was asked: nothing was
    laid out to choose)."""

    fit: Fit
    source: str
    layout: dict[str, Any] | None
    fits: bool = True

    @property
    def size(self) -> tuple[float, float] | None:
        return layout_size(self.layout) if self.layout is not None else None


def layout_size(layout: dict[str, Any]) -> tuple[float, float]:
    """Width and height of a laid-out figure in points, as drawn (its bounding box)."""
    _, _, width, height = (float(v) for v in str(layout["bb"]).split(","))
    return width, height


def smallest_text(layout: dict[str, Any]) -> float | None:
    """The smallest font size in a layout's drawing operations, in points."""
    sizes = [
        float(op["size"])
        for obj in [*layout.get("objects", []), *layout.get("edges", [])]
        if obj.get("style") != "invis"
        for key in ("_ldraw_", "_hldraw_", "_tldraw_")
        for op in obj.get(key, [])
        if op.get("op") == "F"
    ]
    return min(sizes) if sizes else None


def fit(
    make_dot: Callable[[Fit], tuple[str, int]],
    lay_out: Callable[[str], dict[str, Any]],
    base: float,
    *,
    width: float | None,
    height: float | None,
    min_font: float,
    rankdir: str,
) -> Fitted:
    """The largest figure, up to ``base`` points of font, that fits ``width`` (and, top to
    bottom, ``height``, by folding into columns) with its smallest text at least ``min_font``."""
    if width is None:
        return Fitted(Fit(base), make_dot(Fit(base))[0], None)
    smallest = min_font / SMALL * _ROUNDING
    tried: list[tuple[Fitted, int]] = []  # (fitted, columns asked)
    for columns in range(1, MAX_COLUMNS + 1):
        trial = _shrink(make_dot, lay_out, base, smallest, width, columns)
        tried.append((trial, columns))
        if rankdir == "TB":
            if not trial.fits:
                break  # more columns only widen it
            if height is None or _height(trial) <= height:
                return trial
        elif trial.fits and trial.fit.font_size >= base:
            return trial  # long enough rows: no text shrunk
        if trial.fit.columns < columns:
            break  # no place left to fold at
    fitting = [t for t, _ in tried if t.fits]
    if not fitting:
        return tried[0][0]
    if rankdir == "TB":
        return min(fitting, key=lambda t: (_height(t), t.fit.columns))
    return max(fitting, key=lambda t: (t.fit.font_size, -t.fit.columns))


def _height(fitted: Fitted) -> float:
    size = fitted.size
    return size[1] if size is not None else 0.0


def _shrink(
    make_dot: Callable[[Fit], tuple[str, int]],
    lay_out: Callable[[str], dict[str, Any]],
    base: float,
    smallest: float,
    width: float,
    columns: int,
) -> Fitted:
    """The largest font size from ``base`` down to ``smallest`` at which the figure, folded
    into ``columns``, fits ``width``; at ``smallest`` with shorter lines in its boxes, then
    without section frames, when none does; not fitting at the narrowest."""
    size, narrower = base, list(_NARROWER)
    while True:
        wrap, frames = narrower[0]
        source, folded = make_dot(Fit(size, columns, wrap, frames))
        layout = lay_out(source)
        achieved = Fit(size, folded, wrap, frames)
        drawn, _ = layout_size(layout)
        if drawn <= width:
            return Fitted(achieved, source, layout)
        if size <= smallest:
            if len(narrower) == 1:
                return Fitted(achieved, source, layout, fits=False)
            narrower.pop(0)
            continue
        size = max(smallest, round(size * width / drawn * _MARGIN, 2))
