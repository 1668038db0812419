"""The 3-D style (``--style 3d``): the main flow left to right as boxes sized by the tensors
they make, the way PlotNeuralNet figures are drawn by hand, but generated from the spec.

Each drawn node (a section, group, block, run or layer, at the chosen depth) is a cuboid: its
height and its depth (drawn obliquely) follow the map's height and width, its thickness along
the flow the channels, each on a log scale clamped to stay readable (a 224×224 map is not 32
times the height of a 7×7 one); a vector (after pooling) is a thin bar. Merges are small circles
on the axis; skips (dashed) and jumps (heavy) are arcs over the boxes, a shortcut's own layers
written at the arc's top. The name and the shape stand under each box, turned up. Fitted to
``--width`` by scaling (never under ``--min-font``), folded into rows where a row would need
smaller text. Written as SVG or as a TikZ picture that drops into a paper. No torch, no
Graphviz here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple
from xml.sax.saxutils import escape

from jumpdsl.backends.draw_fonts import LINE_HEIGHT, Font
from jumpdsl.backends.draw_labels import merge_symbol, node_label, plain_lines
from jumpdsl.backends.draw_sizes import SMALL
from jumpdsl.backends.draw_theme import Theme, theme
from jumpdsl.backends.draw_view import View, ViewNode
from jumpdsl.backends.graphviz_dot import DrawOptions
from jumpdsl.backends.tikz import Palette, picture, tex_text
from jumpdsl.ir.graph import Graph
from jumpdsl.ops.core import Shape, format_shape
from jumpdsl.passes.shapes import Shapes

__all__ = ["Scene", "cuboid_size", "render_3d"]

_OBLIQUE = math.radians(40)  # the angle the depth of a box is drawn at
_QUOTE = {'"': "&quot;"}  # the font list stands in a quoted attribute: --font is the user's
_GAP = 1.4  # between boxes, in font sizes
_BASE_FONT = 8.0


@dataclass(frozen=True)
class Scene:
    data: bytes
    width: float
    height: float
    smallest: float
    fits: bool = True


def cuboid_size(shape: Shape) -> tuple[float, float, float]:
    """(thickness along the flow, height, depth) in points for a tensor: maps by their height,
    width and channels, vectors as bars, on clamped log scales.

    >>> [round(v) for v in cuboid_size((64, 56, 56))], [round(v) for v in cuboid_size((10,))]
    ([11, 66, 33], [3, 30, 4])
    """
    if len(shape) == 3:
        channels, height, width = shape
        return (
            _clamp(2 + 1.5 * math.log2(channels + 1), 3, 26),
            _clamp(8 + 10 * math.log2(max(height, 1)), 10, 90),
            _clamp(4 + 5 * math.log2(max(width, 1)), 5, 45),
        )
    units = shape[0] if shape else 1
    return 3.0, _clamp(6 + 7 * math.log2(units + 1), 10, 90), 4.0


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# ---------------------------------------------------------------- the scene, in points, y up


@dataclass
class _Item:
    node: ViewNode
    shape: Shape
    x: float = 0.0  # left of the front face
    y: float = 0.0  # the axis
    row: int = 0

    @property
    def merge(self) -> bool:
        return self.node.role == "merge"


Point = tuple[float, float]


class _Poly(NamedTuple):
    points: tuple[Point, ...]
    fill: str
    line: str
    width: float


class _Curve(NamedTuple):
    points: tuple[Point, ...]  # a polyline, or one cubic Bézier (4 points) when ``bezier``
    line: str
    width: float
    dashed: bool
    bezier: bool


class _Circle(NamedTuple):
    x: float
    y: float
    r: float
    fill: str
    line: str
    width: float


class _Text(NamedTuple):
    x: float
    y: float
    text: str
    small: bool
    anchor: str  # east, center or south
    rotate: int


_Op = _Poly | _Curve | _Circle | _Text


@dataclass(frozen=True)
class _Style:
    """What a 3-D figure is drawn with: the theme and the base font size (points)."""

    look: Theme
    size: float

    @property
    def small(self) -> float:
        return round(self.size * SMALL, 2)


def render_3d(graph: Graph, view: View, options: DrawOptions, fmt: str, font: Font) -> Scene:
    """The 3-D figure of a view as ``svg`` or ``tex`` bytes."""
    look = theme(options.theme, options.font, options.font_size)
    size = options.font_size or (_BASE_FONT if options.width else look.font_size)
    style = _Style(look, size)
    items = _items(graph, view)
    arcs = _arcs(graph, view, items)
    most = len(_allowed_breaks(items, arcs)) + 1
    rows = 1
    while True:
        ops, width, height = _draw(graph, view, items, arcs, style, font, rows)
        scale = 1.0 if options.width is None else min(1.0, options.width / width)
        if scale * style.small >= options.min_font or rows >= most:
            break
        rows += 1
    # Rows cannot break under an arc: where no more can be made, the text keeps its minimum
    # and the figure is wider than asked (said, as for the flat style), never smaller text.
    floor = min(1.0, options.min_font / style.small)
    fits = scale >= floor
    scale = max(scale, floor)
    writer = _svg if fmt == "svg" else _tikz
    data = writer(graph.name, ops, width, height, scale, font, style)
    return Scene(data.encode("utf-8"), width * scale, height * scale, style.small * scale, fits)


def _items(graph: Graph, view: View) -> list[_Item]:
    """The spine's nodes in order, each with the shape of the tensor it makes."""
    out: dict[str, str] = {}
    for edge in view.edges:
        if edge.kind == "flow" and view.nodes[edge.head].spine:
            out.setdefault(edge.tail, edge.tensor)
    items = []
    for node in view.nodes.values():
        if not node.spine or node.role in ("output", "port"):
            continue
        tensor = out.get(node.id, graph.output)
        items.append(_Item(node, graph.get(Shapes, tensor).shape or ()))
    return items


@dataclass(frozen=True)
class _Arc:
    start: int  # item indices
    end: int
    kind: str
    label: str


def _arcs(graph: Graph, view: View, items: list[_Item]) -> list[_Arc]:
    """Every shortcut (and branch arm) as an arc from the spine node it leaves to the merge it
    joins, with the layers it passes written on it."""
    index = {item.node.id: i for i, item in enumerate(items)}
    into: dict[str, list[tuple[str, str]]] = {}
    for edge in view.edges:
        into.setdefault(edge.head, []).append((edge.tail, edge.kind))
    arcs = []
    for edge in view.edges:
        if edge.head not in index or (edge.kind == "flow" and edge.tail in index):
            continue
        labels, tail, kind = [], edge.tail, edge.kind
        while tail not in index and tail in view.nodes:
            label = node_label(graph, view, view.nodes[tail], False, 40)
            labels.append(" ".join(plain_lines(label)))
            before = into.get(tail, [])
            if not before:
                break
            tail, kind = before[0][0], before[0][1] if before[0][1] != "flow" else kind
        if tail in index and index[tail] < index[edge.head]:
            text = " · ".join(reversed(labels))
            arcs.append(_Arc(index[tail], index[edge.head], kind, text))
    return arcs


def _draw(
    graph: Graph,
    view: View,
    items: list[_Item],
    arcs: list[_Arc],
    style: _Style,
    font: Font,
    rows: int,
) -> tuple[list[_Op], float, float]:
    """Place the items in ``rows`` rows and draw them: (operations, width, height), points,
    the origin at the lower left."""
    size, look = style.size, style.look
    captions = [_caption(graph, view, item) for item in items]
    under = size + max(
        [font.width(c[0], size) for c in captions]
        + [font.width(c[1], style.small) for c in captions]
    )
    body = max(
        cuboid_size(i.shape)[1] + cuboid_size(i.shape)[2] * math.sin(_OBLIQUE) for i in items
    )
    arc_room = 4.5 * size if arcs else size
    band = body + under + arc_room + size  # one row: arcs, boxes, captions
    breaks = _row_breaks(items, arcs, rows)
    x, row, width = 2 * size, 0, 0.0
    for i, item in enumerate(items):
        if i in breaks:
            row, x = row + 1, 2 * size
        t, _, d = cuboid_size(item.shape)
        item.row, item.x, item.y = row, x, -row * band
        span = 1.7 * size if item.merge else t + d * math.cos(_OBLIQUE)
        x += max(span + _GAP * size, 2 * LINE_HEIGHT * size + _GAP * size)
        width = max(width, x)
    ops: list[_Op] = []
    flow = look.edges["flow"]
    for left, right in pairwise(items):
        ops.append(_connect(left, right, flow, body / 2 + under + size / 2, size))
    for arc in arcs:
        ops += _arc(items, arc, style, body / 2 + arc_room * 0.8)
    for item, caption in zip(items, captions, strict=True):
        ops += _merge(item, graph, style) if item.merge else _cuboid(item, look, graph)
        ops += _captions(item, caption, size)
    low = -row * band - body / 2 - under  # the lowest caption's end
    high = body / 2 + arc_room + size
    return [_moved(op, -low) for op in ops], width + size, high - low


def _caption(graph: Graph, view: View, item: _Item) -> tuple[str, str]:
    if item.merge:
        return "", ""
    text = plain_lines(node_label(graph, view, item.node, False, 40))[0]
    return text, format_shape(item.shape)


def _allowed_breaks(items: list[_Item], arcs: list[_Arc]) -> list[int]:
    """Where a row may start: under no arc but those that leave the item just before (they
    start again at the new row's beginning, where the flow comes in)."""
    spanned = {i for arc in arcs for i in range(arc.start + 2, arc.end + 1)}
    return [i for i in range(1, len(items)) if i not in spanned]


def _row_breaks(items: list[_Item], arcs: list[_Arc], rows: int) -> set[int]:
    """Where rows start: about equal lengths, never under an arc."""
    allowed = _allowed_breaks(items, arcs)
    chosen: set[int] = set()
    for j in range(1, rows):
        goal = len(items) * j / rows
        left = [i for i in allowed if i > max(chosen, default=0)]
        if left:
            chosen.add(min(left, key=lambda i: (abs(i - goal), i)))
    return chosen


def _front(item: _Item) -> tuple[float, float, float, float]:
    """The front face: left, bottom, thickness, height."""
    t, h, _ = cuboid_size(item.shape)
    return item.x, item.y - h / 2, t, h


def _cuboid(item: _Item, look: Theme, graph: Graph) -> list[_Op]:
    x, y, t, h = _front(item)
    d = cuboid_size(item.shape)[2]
    dx, dy = d * math.cos(_OBLIQUE), d * math.sin(_OBLIQUE)
    op = graph[item.node.id].op if item.node.role == "layer" else None
    base = look.fill("box" if item.node.role in ("box", "run") else item.node.role, op)
    if item.node.role == "input":
        base = "#ffffff"
    line, width = look.line, look.penwidth
    front = ((x, y), (x + t, y), (x + t, y + h), (x, y + h))
    top = ((x, y + h), (x + t, y + h), (x + t + dx, y + h + dy), (x + dx, y + h + dy))
    side = ((x + t, y), (x + t + dx, y + dy), (x + t + dx, y + h + dy), (x + t, y + h))
    ops: list[_Op] = []
    outline = (front[0], front[1], side[1], side[2], top[3], top[0])
    for behind in (2, 1)[-min(item.node.count - 1, 2) :] if item.node.count > 1 else ():
        step = 2.5 * behind  # ×n: the instances it stands for, stacked behind it
        shifted = tuple((px + step, py + step) for px, py in outline)
        ops.append(_Poly(shifted, _shade(base, 0.95), line, width * 0.7))
    ops.append(_Poly(side, _shade(base, 0.82), line, width))
    ops.append(_Poly(top, _shade(base, 1.08), line, width))
    ops.append(_Poly(front, base, line, width))
    return ops


def _merge(item: _Item, graph: Graph, style: _Style) -> list[_Op]:
    r = 0.85 * style.size
    look = style.look
    symbol = merge_symbol(graph.ops[graph[item.node.id].op])
    return [
        _Circle(item.x + r, item.y, r, look.fill("merge"), look.line, look.penwidth),
        _Text(item.x + r, item.y, symbol, False, "center", 0),
    ]


def _captions(item: _Item, caption: tuple[str, str], size: float) -> list[_Op]:
    """The name and the shape under a box, turned up (reading bottom to top)."""
    if item.merge:
        return []
    x, y, t, _ = _front(item)
    middle = x + t / 2
    return [
        _Text(middle - 0.1 * size, y - 0.6 * size, caption[0], False, "east", 90),
        _Text(middle + 1.05 * size, y - 0.6 * size, caption[1], True, "east", 90),
    ]


def _connect(left: _Item, right: _Item, flow: dict[str, str], down: float, size: float) -> _Op:
    """The main flow from one item to the next: along the axis, or ``down`` (below the row's
    captions) and back to the next row's start."""
    start = _right_end(left, size)
    end = (right.x, right.y)
    width = float(flow.get("penwidth", "1"))
    if left.row == right.row:
        return _Curve((start, end), flow["color"], width, False, False)
    drop = left.y - down
    points = (start, (start[0] + size, start[1]), (start[0] + size, drop), (size, drop))
    return _Curve((*points, (size, right.y), end), flow["color"], width, False, False)


def _right_end(item: _Item, size: float) -> Point:
    if item.merge:
        return item.x + 1.7 * size, item.y
    x, _, t, _ = _front(item)
    return x + t, item.y


def _arc(items: list[_Item], arc: _Arc, style: _Style, rise: float) -> list[_Op]:
    """A shortcut over the boxes: from the top of the box it leaves to the merge, higher the
    more it spans; its own layers written at its top."""
    first, last = items[arc.start], items[arc.end]
    look, size = style.look, style.size
    edge = look.edges.get(arc.kind, look.edges["flow"])
    x0 = first.x + cuboid_size(first.shape)[0] / 2
    y0 = first.y + cuboid_size(first.shape)[1] / 2
    if first.row != last.row:  # it leaves the row before: from where the flow comes in
        x0, y0 = size, last.y
    x1 = last.x + 0.85 * size
    y1 = last.y + 0.85 * size
    top = last.y + rise * (0.6 + 0.4 * min(1.0, (arc.end - arc.start) / 6))
    points = ((x0, y0), (x0, top), (x1, top), (x1, y1))
    dashed = edge.get("style") == "dashed"
    ops: list[_Op] = [_Curve(points, edge["color"], float(edge["penwidth"]), dashed, True)]
    if arc.label:
        ops.append(_Text((x0 + x1) / 2, top + 0.25 * size, arc.label, True, "south", 0))
    return ops


def _shade(color: str, factor: float) -> str:
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{max(0, min(255, round(c * factor))):02x}" for c in rgb)


def _moved(op: _Op, dy: float) -> _Op:
    if isinstance(op, _Poly | _Curve):
        return op._replace(points=tuple((x, y + dy) for x, y in op.points))
    return op._replace(y=op.y + dy)


# ---------------------------------------------------------------- writers


def _svg(
    name: str,
    ops: list[_Op],
    width: float,
    height: float,
    scale: float,
    font: Font,
    style: _Style,
) -> str:
    def pt(p: Point) -> str:
        return f"{p[0]:.2f},{height - p[1]:.2f}"

    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * scale:.2f}pt" '
        f'height="{height * scale:.2f}pt" viewBox="0 0 {width:.2f} {height:.2f}">\n',
        f"<title>{escape(name)}</title>\n",
        f'<g font-family="{escape(font.css, _QUOTE)}" stroke-linejoin="round">\n',
    ]
    for op in ops:
        if isinstance(op, _Poly):
            points = " ".join(pt(p) for p in op.points)
            out.append(
                f'<polygon points="{points}" fill="{op.fill}" stroke="{op.line}" '
                f'stroke-width="{op.width:g}"/>\n'
            )
        elif isinstance(op, _Curve):
            p = op.points
            if op.bezier:
                d = f"M{pt(p[0])} C{pt(p[1])} {pt(p[2])} {pt(p[3])}"
            else:
                d = "M" + " L".join(pt(q) for q in p)
            dash = ' stroke-dasharray="3,2"' if op.dashed else ""
            out.append(
                f'<path d="{d}" fill="none" stroke="{op.line}" '
                f'stroke-width="{op.width:g}"{dash}/>\n'
            )
            out.append(_svg_arrow(p[-2], p[-1], op.line, height))
        elif isinstance(op, _Circle):
            out.append(
                f'<circle cx="{op.x:.2f}" cy="{height - op.y:.2f}" r="{op.r:.2f}" '
                f'fill="{op.fill}" stroke="{op.line}" stroke-width="{op.width:g}"/>\n'
            )
        else:
            anchor = {"east": "end", "center": "middle", "south": "middle"}[op.anchor]
            size = style.small if op.small else style.size
            central = ' dominant-baseline="central"' if op.anchor != "south" else ""
            x, y = op.x, height - op.y
            turn = f' transform="rotate(-{op.rotate} {x:.2f} {y:.2f})"' if op.rotate else ""
            out.append(
                f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" text-anchor="{anchor}"'
                f"{central}{turn}>{escape(op.text)}</text>\n"
            )
    out.append("</g>\n</svg>\n")
    return "".join(out)


def _svg_arrow(before: Point, tip: Point, color: str, height: float) -> str:
    angle = math.atan2(tip[1] - before[1], tip[0] - before[0])
    length, half = 4.5, 1.8
    back = (tip[0] - length * math.cos(angle), tip[1] - length * math.sin(angle))
    left = (back[0] - half * math.sin(angle), back[1] + half * math.cos(angle))
    right = (back[0] + half * math.sin(angle), back[1] - half * math.cos(angle))
    points = " ".join(f"{x:.2f},{height - y:.2f}" for x, y in (tip, left, right))
    return f'<polygon points="{points}" fill="{color}" stroke="none"/>\n'


def _tikz(
    name: str,
    ops: list[_Op],
    width: float,
    height: float,
    scale: float,
    font: Font,
    style: _Style,
) -> str:
    palette = Palette()
    body: list[str] = []

    def pt(p: Point) -> str:
        return f"({p[0]:.2f},{p[1]:.2f})"

    def pen(line: str, width_: float) -> str:
        return f"draw={palette.name(line)}, line width={width_ * scale:.3g}bp"

    for op in ops:
        if isinstance(op, _Poly):
            path = " -- ".join(pt(p) for p in op.points) + " -- cycle"
            fill = palette.name(op.fill)
            body.append(f"\\path[{pen(op.line, op.width)}, fill={fill}] {path};\n")
        elif isinstance(op, _Curve):
            p = op.points
            if op.bezier:
                path = f"{pt(p[0])} .. controls {pt(p[1])} and {pt(p[2])} .. {pt(p[3])}"
            else:
                path = " -- ".join(pt(q) for q in p)
            dash = ", dashed" if op.dashed else ""
            body.append(f"\\path[{pen(op.line, op.width)}{dash}, -stealth] {path};\n")
        elif isinstance(op, _Circle):
            fill = palette.name(op.fill)
            circle = f"circle [radius={op.r * scale:.2f}bp]"
            body.append(
                f"\\path[{pen(op.line, op.width)}, fill={fill}] {pt((op.x, op.y))} {circle};\n"
            )
        else:
            size = round((style.small if op.small else style.size) * scale, 2)
            turn = f", rotate={op.rotate}" if op.rotate else ""
            body.append(
                f"\\node[anchor={op.anchor}, inner sep=0pt, font=\\fontsize{{{size:g}}}"
                f"{{{size * 1.2:g}}}\\selectfont{turn}] at {pt((op.x, op.y))} "
                f"{{{tex_text(op.text)}}};\n"
            )
    del font
    return picture(name, "in its 3-D style", body, palette, width, height, scale)
