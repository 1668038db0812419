"""The words in a figure: layer labels (from the op table), box summaries, cluster titles,
parameter counts. Plain text with DOT's ``\\n`` line breaks: the embedded Graphviz has no
HTML-like labels.
"""

from __future__ import annotations

from itertools import groupby

from jumpdsl.backends.draw_view import View, ViewNode
from jumpdsl.ir.graph import Graph, Scope
from jumpdsl.ir.ops import OPS
from jumpdsl.passes.shapes import Shapes

__all__ = ["cluster_label", "compact_count", "node_label"]

_WRAP = 32  # characters per summary line in a box
_SEP = " · "


def compact_count(count: int) -> str:
    """Three significant digits: ``1056`` → ``'1.06k'``, ``37019594`` → ``'37M'``.

    >>> [compact_count(n) for n in (448, 1056, 107776, 37019594)]
    ['448', '1.06k', '108k', '37M']
    """
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)


def node_label(graph: Graph, view: View, node: ViewNode, params: bool) -> str:
    """The label of a view node, lines joined by DOT's ``\\n``."""
    if node.role == "merge":
        return merge_symbol(graph[node.id].op)
    if node.role in ("input", "output"):
        return node.role
    if node.role == "port":
        return _port_label(view, node)
    lines = _lines(graph, node)
    total = sum(graph.get(Shapes, m).params for m in node.members)
    if params and total:
        lines.append(f"{compact_count(total)} params")
    return "\\n".join(_escape(line) for line in lines)


def merge_symbol(op: str) -> str:
    """A merge as one character in a small circle: ``+``, ``×``, ``C`` (concat)."""
    label = OPS[op].label({})
    return label if len(label) == 1 else op[0].upper()


def cluster_label(graph: Graph, scope: str, params: bool) -> str:
    label = _title(graph, scope)
    if params:
        total = sum(graph.get(Shapes, n).params for n in graph if n.startswith(scope + "."))
        label += f"{_SEP}{compact_count(total)} params"
    return _escape(label)


def _lines(graph: Graph, node: ViewNode) -> list[str]:
    if node.role == "layer":
        data = graph[node.id]
        return [OPS[data.op].label(data.attrs)]
    items = _items(graph, node)
    if node.role == "path":
        return _wrap(items)
    scopes = graph.scopes
    leaf = not any(_nested_scope(m, node.id, scopes) for m in node.members)
    if node.id in scopes and leaf:
        return [_title(graph, node.id)]  # a leaf template: its call says what it is
    return [_title(graph, node.id), *_wrap(items)]


def _title(graph: Graph, scope: str) -> str:
    info = graph.scopes.get(scope)
    last = scope.rsplit(".", 1)[-1]
    return f"{last}: {info.call}" if info else last


def _items(graph: Graph, node: ViewNode) -> list[tuple[bool, str]]:
    """What a box holds, in order, as (is a nested template, text); runs counted."""
    scopes = graph.scopes
    keyed: list[tuple[str, bool, str]] = []  # (nested scope or layer, nested?, text)
    for member in node.members:
        nested = _nested_scope(member, node.id, scopes)
        if nested is None:
            data = graph[member]
            keyed.append((member, False, OPS[data.op].label(data.attrs)))
        elif not keyed or keyed[-1][0] != nested:
            keyed.append((nested, True, scopes[nested].call))
    runs = [(key, len(list(run))) for key, run in groupby((n, t) for _, n, t in keyed)]
    return [(nested, text if n == 1 else f"{n}× {text}") for (nested, text), n in runs]


def _nested_scope(member: str, box: str, scopes: dict[str, Scope]) -> str | None:
    """The template instance directly inside ``box`` that holds ``member``, if any."""
    parts = member[len(box) + 1 :].split(".")[:-1]
    for i in range(1, len(parts) + 1):
        candidate = f"{box}.{'.'.join(parts[:i])}"
        if candidate in scopes:
            return candidate
    return None


def _wrap(items: list[tuple[bool, str]]) -> list[str]:
    """Layers share lines up to :data:`_WRAP` characters; each nested template has its own."""
    lines: list[str] = []
    joinable = False
    for nested, text in items:
        if joinable and not nested and len(lines[-1]) + len(_SEP) + len(text) <= _WRAP:
            lines[-1] += _SEP + text
        else:
            lines.append(text)
        joinable = not nested
    return lines


def _port_label(view: View, node: ViewNode) -> str:
    direction = node.id.split(".", 1)[0]
    same = [n for n in view.nodes.values() if n.role == "port" and n.id.startswith(direction)]
    if len(same) == 1:
        return "input" if direction == "in" else "output"
    return _escape(node.members[0])


def _escape(text: str) -> str:
    """Backslashes in spec text must not read as DOT escapes such as ``\\N``."""
    return text.replace("\\", "\\\\")
