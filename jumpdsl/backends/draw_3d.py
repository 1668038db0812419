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

import hashlib
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from jumpdsl.backends.draw_fonts import LINE_HEIGHT, Font
from jumpdsl.backends.draw_labels import merge_symbol, node_label
from jumpdsl.backends.draw_sizes import SMALL
from jumpdsl.backends.draw_theme import Theme, theme
from jumpdsl.backends.draw_view import View, ViewNode
from jumpdsl.backends.tikz import tex_text
from jumpdsl.ir.graph import Graph
from jumpdsl.ir.ops import Shape, format_shape
from jumpdsl.passes.shapes import Shapes

__all__ = ["Scene", "cuboid_size", "render_3d"]

_OBLIQUE = math.radians(40)  # the angle the depth of a box is drawn at
_GAP = 1.4  # between boxes, in font sizes
_BASE_FONT = 8.0


@dataclass(frozen=True)
class Scene:
    data: bytes
    width: float
    height: float
    smallest: float


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


@dataclass
class _Ops:
    """Drawing operations, painter's order: ("poly", points, fill, line, width, dash),
    ("curve", points, line, width, dash, arrow), ("text", x, y, text, size, anchor, rotate),
    ("circle", x, y, r, fill, line, width)."""

    ops: list[tuple[object, ...]] = field(default_factory=list)


def render_3d(graph: Graph, view: View, options: object, fmt: str, font: Font) -> Scene:
    """The 3-D figure of a view as ``svg`` or ``tex`` bytes."""
    look = theme(getattr(options, "theme", "color"))
    size = getattr(options, "font_size", None) or (
        _BASE_FONT if getattr(options, "width", None) else look.font_size
    )
    width = getattr(options, "width", None)
    min_font = getattr(options, "min_font", 6.0)
    items = _items(graph, view)
    arcs = _arcs(graph, view, items)
    rows = 1
    scale = 1.0
    while True:
        ops, w, h = _draw(graph, view, items, arcs, look, font, size, rows)
        if width is None or w <= width:
            break
        scale = width / w
        if scale * size * SMALL >= min_font or rows >= len(items):
            break
        rows += 1
        ops, w, h = _draw(graph, view, items, arcs, look, font, size, rows)
        if w <= width:
            scale = 1.0
            break
    scale = min(scale, 1.0)
    writer = _svg if fmt == "svg" else _tikz
    data = writer(graph.name, ops, w, h, scale, font, size)
    return Scene(data.encode("utf-8"), w * scale, h * scale, size * SMALL * scale)


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
        if edge.head not in index or edge.kind == "flow" and edge.tail in index:
            continue
        labels, tail, kind = [], edge.tail, edge.kind
        while tail not in index and tail in view.nodes:
            labels.append(node_label(graph, view, view.nodes[tail], False, 40).replace("\\n", " "))
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
    look: Theme,
    font: Font,
    size: float,
    rows: int,
) -> tuple[list[tuple[object, ...]], float, float]:
    """Place the items in ``rows`` rows and draw them; (operations, width, height)."""
    small = round(size * SMALL, 2)
    labels = [_caption(graph, view, item) for item in items]
    text_rise = [max(font.width(t, size) for t in lines[:1]) for lines in labels]
    shape_rise = [font.width(lines[1], small) if len(lines) > 1 else 0 for lines in labels]
    under = max([*text_rise, *shape_rise, 0]) + size  # room for the turned-up captions
    pitch_min = 2 * LINE_HEIGHT * size + _GAP * size
    breaks = _row_breaks(items, arcs, rows)
    row_height = 0.0
    for item in items:
        _, h, d = cuboid_size(item.shape)
        row_height = max(row_height, h + d * math.sin(_OBLIQUE))
    arc_room = (2 + len(arcs) % 3) * size * 2.2
    band = row_height + under + arc_room + 2 * size
    x, row = 2 * size, 0
    widths = [0.0]
    for i, item in enumerate(items):
        if i in breaks:
            row += 1
            x = 2 * size
            widths.append(0.0)
        item.row = row
        item.x = x
        item.y = -row * band
        t, _, d = cuboid_size(item.shape)
        span = 1.7 * size if item.merge else t + d * math.cos(_OBLIQUE)
        x += max(span + _GAP * size, pitch_min)
        widths[row] = x
    width = max(widths) + size
    height = band * (row + 1)
    top = row_height / 2 + arc_room
    ops: list[tuple[object, ...]] = []
    flow = look.edges["flow"]
    for i, item in enumerate(items):
        if i + 1 < len(items):
            _connect(ops, item, items[i + 1], flow, band, size)
    for arc in arcs:
        _arc(ops, items, arc, look, size, top)
    for item, lines in zip(items, labels, strict=True):
        if item.merge:
            _merge(ops, item, graph, look, size)
        else:
            _cuboid(ops, item, look, graph)
        _captions(ops, item, lines, size, small)
    # shift everything so the picture starts at (0, 0): y from the lowest row's captions
    low = -(row * band) - row_height / 2 - under
    ops = [_moved(op, 0.0, -low) for op in ops]
    return ops, width, height - (band - (top + row_height / 2 + under)) + size


def _caption(graph: Graph, view: View, item: _Item) -> list[str]:
    if item.merge:
        return [""]
    text = node_label(graph, view, item.node, False, 40).split("\\n")[0]
    return [text, format_shape(item.shape)]


def _row_breaks(items: list[_Item], arcs: list[_Arc], rows: int) -> set[int]:
    """Where rows start: about equal lengths, never under an arc."""
    if rows < 2:
        return set()
    spanned = {i for arc in arcs for i in range(arc.start + 1, arc.end + 1)}
    allowed = [i for i in range(1, len(items)) if i not in spanned]
    chosen: set[int] = set()
    for j in range(1, rows):
        goal = len(items) * j / rows
        left = [i for i in allowed if i > max(chosen, default=0)]
        if left:
            chosen.add(min(left, key=lambda i: (abs(i - goal), i)))
    return chosen


def _front(item: _Item) -> tuple[float, float, float, float]:
    t, h, d = cuboid_size(item.shape)
    return item.x, item.y - h / 2, t, h


def _cuboid(ops: list[tuple[object, ...]], item: _Item, look: Theme, graph: Graph) -> None:
    x, y, t, h = _front(item)
    _, _, d = cuboid_size(item.shape)
    dx, dy = d * math.cos(_OBLIQUE), d * math.sin(_OBLIQUE)
    op = graph[item.node.id].op if item.node.role == "layer" else None
    base = look.fill("box" if item.node.role in ("box", "run") else item.node.role, op)
    line, width = look.line, look.penwidth
    if item.node.role == "input":
        base = "#ffffff"
    front = [(x, y), (x + t, y), (x + t, y + h), (x, y + h)]
    top = [(x, y + h), (x + t, y + h), (x + t + dx, y + h + dy), (x + dx, y + h + dy)]
    side = [(x + t, y), (x + t + dx, y + dy), (x + t + dx, y + h + dy), (x + t, y + h)]
    for behind in (2, 1)[: min(item.node.count - 1, 2)]:  # ×n: the boxes it stands for, behind
        step = 2.5 * behind
        shifted = [(px + step, py + step) for px, py in [*front[:2], side[1], side[2], top[3], top[0]]]
        ops.append(("poly", shifted, _shade(base, 0.95), line, width * 0.7, False))
    ops.append(("poly", side, _shade(base, 0.82), line, width, False))
    ops.append(("poly", top, _shade(base, 1.08), line, width, False))
    ops.append(("poly", front, base, line, width, False))


def _merge(
    ops: list[tuple[object, ...]], item: _Item, graph: Graph, look: Theme, size: float
) -> None:
    r = 0.85 * size
    ops.append(("circle", item.x + r, item.y, r, look.fill("merge"), look.line, look.penwidth))
    ops.append(("text", item.x + r, item.y, merge_symbol(graph[item.node.id].op), -1, "center", 0))


def _captions(
    ops: list[tuple[object, ...]], item: _Item, lines: list[str], size: float, small: float
) -> None:
    if item.merge:
        return
    x, y, t, _ = _front(item)
    middle = x + t / 2
    ops.append(("text", middle - 0.1 * size, y - size * 0.6, lines[0], -1, "east", 90))
    if len(lines) > 1:
        ops.append(("text", middle + 1.05 * size, y - size * 0.6, lines[1], -2, "east", 90))


def _connect(
    ops: list[tuple[object, ...]],
    left: _Item,
    right: _Item,
    flow: dict[str, str],
    band: float,
    size: float,
) -> None:
    """The main flow from one item to the next: along the axis, or down to the next row."""
    start = _right_end(left, size)
    end = (right.x, right.y)
    width = float(flow.get("penwidth", "1"))
    if left.row == right.row:
        ops.append(("curve", [start, end], flow["color"], width, False, True))
        return
    drop = left.y - band / 2
    points = [start, (start[0] + size, start[1]), (start[0] + size, drop), (-size, drop)]
    points += [(-size, right.y), end]
    ops.append(("curve", points, flow["color"], width, False, True))


def _right_end(item: _Item, size: float) -> tuple[float, float]:
    if item.merge:
        return item.x + 1.7 * size, item.y
    x, _, t, _ = _front(item)
    return x + t, item.y


def _arc(
    ops: list[tuple[object, ...]],
    items: list[_Item],
    arc: _Arc,
    look: Theme,
    size: float,
    top: float,
) -> None:
    first, last = items[arc.start], items[arc.end]
    style = look.edges.get(arc.kind, look.edges["flow"])
    x0 = _front(first)[0] + _front(first)[2] / 2
    x1 = last.x + 0.85 * size
    y0 = first.y + cuboid_size(first.shape)[1] / 2
    y1 = last.y + 0.85 * size
    rise = first.y + top * (0.55 + 0.45 * min(1.0, (arc.end - arc.start) / 6))
    points = [(x0, y0), (x0, rise), (x1, rise), (x1, y1)]
    dashed = style.get("style") == "dashed"
    ops.append(("bezier", points, style["color"], float(style["penwidth"]), dashed, True))
    if arc.label:
        ops.append(("text", (x0 + x1) / 2, rise * 0.25 + 0.75 * rise + 1, arc.label, -2, "south", 0))


def _shade(color: str, factor: float) -> str:
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{max(0, min(255, round(c * factor))):02x}" for c in rgb)


def _moved(op: tuple[object, ...], dx: float, dy: float) -> tuple[object, ...]:
    kind = op[0]
    if kind in ("poly", "curve", "bezier"):
        points = [(px + dx, py + dy) for px, py in op[1]]  # type: ignore[attr-defined]
        return (kind, points, *op[2:])
    return (kind, float(op[1]) + dx, float(op[2]) + dy, *op[3:])  # type: ignore[arg-type]


# ---------------------------------------------------------------- writers


def _size(code: object, size: float) -> float:
    """Text sizes: 0 and -1 are the base size, -2 the small one."""
    return round(size * SMALL, 2) if code == -2 else size


def _svg(
    name: str,
    ops: list[tuple[object, ...]],
    width: float,
    height: float,
    scale: float,
    font: Font,
    size: float,
) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * scale:.2f}pt" '
        f'height="{height * scale:.2f}pt" viewBox="0 0 {width:.2f} {height:.2f}">\n',
        f"<title>{escape(name)}</title>\n",
        f'<g font-family="{escape(font.css)}">\n',
    ]

    def pt(x: float, y: float) -> str:
        return f"{x:.2f},{height - y:.2f}"

    for op in ops:
        kind = op[0]
        if kind == "poly":
            _, points, fill, line, width_, _dash = op
            pts = " ".join(pt(x, y) for x, y in points)  # type: ignore[attr-defined]
            out.append(
                f'<polygon points="{pts}" fill="{fill}" stroke="{line}" '
                f'stroke-width="{width_}" stroke-linejoin="round"/>\n'
            )
        elif kind in ("curve", "bezier"):
            _, points, line, width_, dashed, _arrow = op
            pts = list(points)  # type: ignore[call-overload]
            if kind == "bezier":
                d = f"M{pt(*pts[0])} C{pt(*pts[1])} {pt(*pts[2])} {pt(*pts[3])}"
            else:
                d = "M" + " L".join(pt(x, y) for x, y in pts)
            dash = ' stroke-dasharray="3,2"' if dashed else ""
            out.append(
                f'<path d="{d}" fill="none" stroke="{line}" stroke-width="{width_}"{dash}/>\n'
            )
            out.append(_svg_arrow(pts[-2], pts[-1], str(line), height))
        elif kind == "circle":
            _, x, y, r, fill, line, width_ = op
            out.append(
                f'<circle cx="{float(x):.2f}" cy="{height - float(y):.2f}" r="{float(r):.2f}" '  # type: ignore[arg-type]
                f'fill="{fill}" stroke="{line}" stroke-width="{width_}"/>\n'
            )
        elif kind == "text":
            _, x, y, text, code, anchor, rotate = op
            anchor_svg = {"east": "end", "center": "middle", "south": "middle"}[str(anchor)]
            fs = _size(code, size)
            base = ' dominant-baseline="central"' if anchor in ("center", "east") else ""
            X, Y = float(x), height - float(y)  # type: ignore[arg-type]
            turn = f' transform="rotate(-{rotate} {X:.2f} {Y:.2f})"' if rotate else ""
            out.append(
                f'<text x="{X:.2f}" y="{Y:.2f}" font-size="{fs:g}" text-anchor="{anchor_svg}"'
                f"{base}{turn}>{escape(str(text))}</text>\n"
            )
    out.append("</g>\n</svg>\n")
    return "".join(out)


def _svg_arrow(before: tuple[float, float], tip: tuple[float, float], color: str, height: float) -> str:
    bx, by = before
    tx, ty = tip
    angle = math.atan2(ty - by, tx - bx)
    length, half = 4.5, 1.8
    back = (tx - length * math.cos(angle), ty - length * math.sin(angle))
    left = (back[0] - half * math.sin(angle), back[1] + half * math.cos(angle))
    right = (back[0] + half * math.sin(angle), back[1] - half * math.cos(angle))
    pts = " ".join(f"{x:.2f},{height - y:.2f}" for x, y in (tip, left, right))
    return f'<polygon points="{pts}" fill="{color}" stroke="none"/>\n'


def _tikz(
    name: str,
    ops: list[tuple[object, ...]],
    width: float,
    height: float,
    scale: float,
    font: Font,
    size: float,
) -> str:
    colors: dict[str, str] = {}
    body: list[str] = []

    def color(value: object) -> str:
        key = str(value).lstrip("#").upper()
        return colors.setdefault(key, "\x00" + str(len(colors)) + "\x00")

    def pt(x: float, y: float) -> str:
        return f"({x:.2f},{y:.2f})"

    for op in ops:
        kind = op[0]
        if kind == "poly":
            _, points, fill, line, width_, _ = op
            path = " -- ".join(pt(x, y) for x, y in points) + " -- cycle"  # type: ignore[attr-defined]
            body.append(
                f"\\path[draw={color(line)}, fill={color(fill)}, line width={float(width_) * scale:.3g}bp, "  # type: ignore[arg-type]
                f"line join=round] {path};\n"
            )
        elif kind in ("curve", "bezier"):
            _, points, line, width_, dashed, _ = op
            pts = list(points)  # type: ignore[call-overload]
            if kind == "bezier":
                path = f"{pt(*pts[0])} .. controls {pt(*pts[1])} and {pt(*pts[2])} .. {pt(*pts[3])}"
            else:
                path = " -- ".join(pt(x, y) for x, y in pts)
            style = ", dashed" if dashed else ""
            body.append(
                f"\\path[draw={color(line)}, line width={float(width_) * scale:.3g}bp{style}, "  # type: ignore[arg-type]
                f"-stealth] {path};\n"
            )
        elif kind == "circle":
            _, x, y, r, fill, line, width_ = op
            body.append(
                f"\\path[draw={color(line)}, fill={color(fill)}, line width={float(width_) * scale:.3g}bp] "  # type: ignore[arg-type]
                f"{pt(float(x), float(y))} circle [radius={float(r) * scale:.2f}bp];\n"  # type: ignore[arg-type]
            )
        elif kind == "text":
            _, x, y, text, code, anchor, rotate = op
            fs = round(_size(code, size) * scale, 2)
            turn = f", rotate={rotate}" if rotate else ""
            body.append(
                f"\\node[anchor={anchor}, inner sep=0pt, font=\\fontsize{{{fs:g}}}{{{fs * 1.2:g}}}"
                f"\\selectfont{turn}] at {pt(float(x), float(y))} {{{tex_text(str(text))}}};\n"  # type: ignore[arg-type]
            )
    digest = hashlib.sha1("".join(body).encode("utf-8")).hexdigest()[:6]
    letters = "".join(c for c in name if c.isascii() and c.isalpha())[:16]
    prefix = "jd" + letters + "".join(chr(ord("a") + int(c, 16)) for c in digest) + "x"

    def named(line: str) -> str:
        for key, placeholder in colors.items():
            number = int(placeholder.strip("\x00"))
            line = line.replace(placeholder, prefix + chr(ord("a") + number % 26) * (1 + number // 26))
        return line

    header = (
        f"% {name}: drawn by jumpdsl in its 3-D style; {width * scale / 72:.2f} x "
        f"{height * scale / 72:.2f} in.\n% In a paper: \\usepackage{{tikz}} in the preamble, "
        "then \\input{this file}; its text takes the paper's font.\n"
    )
    definitions = [
        f"\\definecolor{{{named(p)}}}{{HTML}}{{{key}}}\n" for key, p in colors.items()
    ]
    unit = f"{scale:.6g}bp"
    del font
    return "".join(
        [
            header,
            f"\\begin{{tikzpicture}}[x={unit}, y={unit}]\n",
            *definitions,
            *(named(line) for line in body),
            "\\end{tikzpicture}%\n",
        ]
    )
