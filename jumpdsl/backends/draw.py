"""The drawing pipeline in one call: checked IR and options → the bytes of a figure.

view (what to show) → DOT (how it looks) → Graphviz (where it goes) → svg, pdf, png, dot or tex.
No torch anywhere on this path: ``jumpdsl draw`` works where torch is not installed.
"""

from __future__ import annotations

from jumpdsl.backends.draw_view import FocusError
from jumpdsl.backends.graphviz_dot import DrawOptions, to_dot
from jumpdsl.backends.graphviz_render import FORMATS, DrawError, render
from jumpdsl.ir.graph import Graph

__all__ = ["FORMATS", "DrawError", "DrawOptions", "draw"]


def draw(
    graph: Graph,
    fmt: str,
    options: DrawOptions | None = None,
    *,
    system_dot: bool | None = None,
    dpi: float | None = None,
) -> bytes:
    """The figure of a checked IR graph in ``fmt``; :class:`DrawError` says what is missing."""
    try:
        source = to_dot(graph, options)
    except FocusError as exc:
        raise DrawError(str(exc)) from None
    return render(source, fmt, system_dot=system_dot, dpi=dpi)
