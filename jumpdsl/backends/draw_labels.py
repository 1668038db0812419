"""The words in a figure, in a paper's language: layer labels (the op table's, or the spec's
own), box summaries, cluster titles, parameter counts, the ×n of repeated instances.

A template instance is named by its template and the arguments that matter: no argument whose
value is the parameter's default, none passed on unchanged from the enclosing instance (whose
title already says it): ``JumpGroup(32, 3)``, ``Bottleneck``, not ``JumpGroup(32, 3, 1)`` or
``Bottleneck(128, 1)``. A label written in the spec (``block Stem() "stem" {…}``, ``conv(…)
"7×7 conv"``) replaces the made-up one. Plain text with ``\\n`` line breaks: every engine draws
it.
"""

from __future__ import annotations

import re

import graphviz

from jumpdsl.backends.draw_view import OUTPUT_PREFIX, View, ViewNode
from jumpdsl.ir.graph import Graph, Node, Scope
from jumpdsl.ops.core import Op
from jumpdsl.passes.shapes import Shapes

__all__ = [
    "WRAP",
    "cluster_label",
    "compact_count",
    "dot_label",
    "dot_text",
    "layer_label",
    "node_label",
    "paper_call",
    "plain_lines",
    "repeated",
]

WRAP = 28  # characters per summary line in a box (a narrow figure asks for fewer)
SEP = " · "


def compact_count(count: int) -> str:
    """Three significant digits: ``1056`` → ``'1.06k'``, ``37019594`` → ``'37M'``.

    >>> [compact_count(n) for n in (448, 1056, 107776, 37019594)]
    ['448', '1.06k', '108k', '37M']
    """
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)


def repeated(text: str, count: int) -> str:
    """``text`` marked with how many identical instances it stands for.

    >>> repeated("Bottleneck", 3), repeated("stem", 1)
    ('Bottleneck ×3', 'stem')
    """
    return f"{text} ×{count}" if count > 1 else text


def paper_call(scope: Scope) -> str:
    """An instance as a paper names it: the spec's label, else the template with the
    arguments that matter (positional while none is left out, then by name).

    >>> from jumpdsl.ir.graph import ScopeArg
    >>> args = (ScopeArg("c", "24", False, False), ScopeArg("stride", "1", True, False),
    ...         ScopeArg("t", "1", False, False))
    >>> paper_call(Scope("block", "InvertedResidual", "…", None, args=args))
    'InvertedResidual(24, t=1)'
    """
    if scope.label is not None:
        return scope.label
    shown: list[str] = []
    by_name = False
    for arg in scope.args:
        if arg.default or arg.inherited:
            by_name = True
            continue
        shown.append(f"{arg.name}={arg.value}" if by_name else arg.value)
    return f"{scope.template}({', '.join(shown)})" if shown else scope.template


def layer_label(graph: Graph, node: Node) -> str:
    """A layer as the spec labels it, else as its graph's op table does (``conv 3×3, 64, /2``)."""
    return node.label if node.label is not None else graph.ops[node.op].label(node.attrs)


def node_label(graph: Graph, view: View, node: ViewNode, params: bool, wrap: int = WRAP) -> str:
    """The label of a view node, lines joined by DOT's ``\\n``."""
    if node.role == "merge":
        return _escape(merge_symbol(graph.ops[graph[node.id].op]))
    if node.role == "output" and node.id.startswith(OUTPUT_PREFIX):
        return f"output {node.id.removeprefix(OUTPUT_PREFIX)}"  # `output NAME`
    if node.role in ("input", "output"):
        return node.role
    if node.role == "continue":
        return ""
    if node.role == "port":
        return _port_label(view, node)
    lines = _lines(graph, view, node, wrap)
    total = sum(graph.get(Shapes, m).params for m in view.represented(node.members))
    if params and total:
        lines.append(f"{compact_count(total)} params")
    return "\\n".join(_escape(line) for line in lines)


def merge_symbol(op: Op) -> str:
    """A merge as one character in a small circle: ``+``, ``×``, ``C`` (concat)."""
    label = op.label(op.defaults())
    return label if len(label) == 1 else op.name[0].upper()


def cluster_label(graph: Graph, view: View, scope: str, params: bool, wrap: int = WRAP) -> str:
    """A frame's title; a figure with short lines (``wrap`` under :data:`WRAP`) breaks it
    after its commas."""
    label = repeated(title(graph, scope), view.counts.get(scope, 1))
    if params:
        inside = [n for n in graph if n.startswith(scope + ".")]
        total = sum(graph.get(Shapes, n).params for n in view.represented(inside))
        label += f"{SEP}{compact_count(total)} params"
    if wrap >= WRAP:
        return _escape(label)
    return "\\n".join(_escape(line) for line in _break_after_commas(label, wrap))


def _break_after_commas(text: str, wrap: int) -> list[str]:
    """``ResNetStage(Bottleneck, 256, 6, 2)`` → ``['ResNetStage(Bottleneck,', '256, 6, 2)']``
    at 16 characters: breaks only after a comma, never inside a word.

    >>> _break_after_commas("ResNetStage(Bottleneck, 256, 6, 2)", 16)
    ['ResNetStage(Bottleneck,', '256, 6, 2)']
    """
    lines: list[str] = []
    for piece in text.replace(", ", ",\n").split("\n"):
        if lines and len(lines[-1]) + 1 + len(piece) <= wrap:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


def title(graph: Graph, part: str) -> str:
    """A part's name in a figure: its instance's paper name, or the section's name."""
    scope = graph.scopes.get(part)
    return paper_call(scope) if scope is not None else part.rsplit(".", 1)[-1]


def _lines(graph: Graph, view: View, node: ViewNode, wrap: int) -> list[str]:
    if node.role == "layer":
        return [layer_label(graph, graph[node.id])]
    items = _items(graph, view, node)
    if node.role in ("path", "run"):
        return _wrap(items, wrap)
    head = repeated(title(graph, node.id), node.count)
    if all(nested is None for nested, _ in items) and node.id in graph.scopes:
        return [head]  # a template of layers only: its name says what it is
    return [head, *_wrap(items, wrap)]


def _items(graph: Graph, view: View, node: ViewNode) -> list[tuple[str | None, str]]:
    """What a box holds, in order, as (the nested template's name or None, text): a run of
    instances of one template as ``Name ×n``, layers one by one."""
    scopes = graph.scopes
    items: list[tuple[str | None, str, int]] = []  # (template, text, instances)
    seen: set[str] = set()
    for member in node.members:
        nested = _nested_scope(member, node.id, scopes)
        if nested is None:
            items.append((None, layer_label(graph, graph[member]), 1))
            continue
        if nested in seen:
            continue
        seen.add(nested)
        scope, count = scopes[nested], view.counts.get(nested, 1)
        if items and items[-1][0] == scope.template:
            template, _, before = items[-1]
            items[-1] = (template, scope.template, before + count)  # args differ: name only
        else:
            items.append((scope.template, paper_call(scope), count))
    return [(template, repeated(text, count)) for template, text, count in items]


def _nested_scope(member: str, box: str, scopes: dict[str, Scope]) -> str | None:
    """The template instance directly inside ``box`` that holds ``member``, if any."""
    if not member.startswith(box + "."):
        return None
    parts = member[len(box) + 1 :].split(".")[:-1]
    for i in range(1, len(parts) + 1):
        candidate = f"{box}.{'.'.join(parts[:i])}"
        if candidate in scopes:
            return candidate
    return None


def _wrap(items: list[tuple[str | None, str]], wrap: int) -> list[str]:
    """Layers share lines up to ``wrap`` characters; each nested template has its own."""
    lines: list[str] = []
    joinable = False
    for nested, text in items:
        if joinable and nested is None and len(lines[-1]) + len(SEP) + len(text) <= wrap:
            lines[-1] += SEP + text
        else:
            lines.append(text)
        joinable = nested is None
    return lines


def _port_label(view: View, node: ViewNode) -> str:
    direction = node.id.split(".", 1)[0]
    same = [n for n in view.nodes.values() if n.role == "port" and n.id.startswith(direction)]
    if len(same) == 1:
        return "input" if direction == "in" else "output"
    return _escape(node.members[0])


def _escape(text: str) -> str:
    """Backslashes in spec text must not read as DOT escapes such as ``\\N``; a character
    that is not printable (a tab, a NUL in a label) is drawn as a space."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.replace("\\", "\\\\")


def dot_text(text: str) -> graphviz.nohtml:
    """Plain text (a plugin's merge symbol, a legend's word) as a label for graphviz."""
    return dot_label(_escape(text))


def dot_label(label: str) -> graphviz.nohtml:
    """A label in DOT's escapes (what :func:`node_label` returns) as graphviz must be given
    it: quoted, never read as an HTML-like label however it starts and ends (``<b>…</b>``)."""
    return graphviz.nohtml(label)


def plain_lines(label: str) -> list[str]:
    r"""The lines a label in DOT's escapes stands for, each as the reader sees it: the inverse
    of :func:`node_label`'s escaping, for the drawings that set the text themselves (3-D).

    >>> plain_lines(r"conv \\n\n3×3")
    ['conv \\n', '3×3']
    """
    lines: list[str] = []
    current: list[str] = []
    for escape in re.findall(r"\\\\|\\n|.", label, flags=re.DOTALL):
        if escape == "\\n":
            lines.append("".join(current))
            current = []
        else:
            current.append(escape[-1])
    return [*lines, "".join(current)]
