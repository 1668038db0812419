"""Repetition collapse: consecutive identical template instances drawn once, marked ×n.

Two instances are identical when they are siblings (same enclosing scope), one follows the
other directly (the first's only output is the second's only input, no node in between), and
they are the same template with the same arguments, label and layers (ops, attributes and
edges, position for position). Their shapes may differ: DenseNet's layers grow the channels.
The first instance of a run stands for all of them; the nodes of the others are hidden, and an
edge out of the last one leaves the first one's node in the same position, still carrying the
last one's tensor, so the figure shows the shape that really leaves the run.

>>> from jumpdsl.api import check_text
>>> spec = '''
... block B(f: int) { conv(f, 3x3) relu  skip add }
... network N { input [4, 8, 8]  learner { B(4) * 3 }  task { gap } }'''
>>> graph = check_text(spec).raise_for_errors()
>>> runs = find_runs(graph)
>>> runs.counts, sorted(runs.stand_in)[:2]
({'learner.block1': 3}, ['learner.block2.add1', 'learner.block2.conv1'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jumpdsl.ir.graph import Graph

__all__ = ["Runs", "find_runs"]


@dataclass(frozen=True)
class Runs:
    """``counts``: the first instance of each run → how many instances it stands for;
    ``stand_in``: each hidden node → the node of the first instance in its position."""

    counts: dict[str, int] = field(default_factory=dict)
    stand_in: dict[str, str] = field(default_factory=dict)

    def hidden(self, node: str) -> bool:
        return node in self.stand_in

    def visible(self, node: str) -> str:
        """The node that draws ``node``: itself, or its stand-in."""
        return self.stand_in.get(node, node)

    def inside(self, focus: str | None) -> Runs:
        """The runs strictly inside ``focus`` (a figure of one instance draws it whole)."""
        if focus is None:
            return self
        counts = {s: n for s, n in self.counts.items() if s.startswith(focus + ".")}
        stand_in = {
            node: first
            for node, first in self.stand_in.items()
            if any(first.startswith(s + ".") for s in counts)
        }
        return Runs(counts, stand_in)


def find_runs(graph: Graph) -> Runs:
    """Every run of identical consecutive instances, outer scopes first (a hidden group hides
    its blocks too)."""
    members = _members(graph)
    runs = Runs()
    by_parent: dict[str, list[str]] = {}
    for scope in graph.scopes:  # creation order: siblings in the order they were made
        by_parent.setdefault(scope.rsplit(".", 1)[0], []).append(scope)
    for scope in sorted(graph.scopes, key=lambda s: s.count(".")):
        if scope in runs.counts or any(n in runs.stand_in for n in members[scope][:1]):
            continue
        siblings = by_parent[scope.rsplit(".", 1)[0]]
        first = siblings.index(scope)
        if first > 0 and _follows(graph, members, siblings[first - 1], scope):
            continue  # not the start of a run: the previous sibling takes it
        count = 1
        for later in siblings[first + 1 :]:
            if not _follows(graph, members, siblings[first + count - 1], later):
                break
            count += 1
        if count > 1:
            runs.counts[scope] = count
            for later in siblings[first + 1 : first + count]:
                runs.stand_in.update(zip(members[later], members[scope], strict=True))
    for node, drawn in runs.stand_in.items():  # a twin of a twin: to the node that is drawn
        while drawn in runs.stand_in:
            drawn = runs.stand_in[drawn]
        runs.stand_in[node] = drawn
    return runs


def _members(graph: Graph) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {s: [] for s in graph.scopes}
    for node in graph.order():
        parts = node.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            if prefix in members:
                members[prefix].append(node)
    return members


def _follows(graph: Graph, members: dict[str, list[str]], before: str, after: str) -> bool:
    """Whether ``after`` is identical to ``before`` and reads nothing but its output."""
    a, b = graph.scopes[before], graph.scopes[after]
    if (a.template, a.args, a.label) != (b.template, b.args, b.label):
        return False
    first, second = members[before], members[after]
    if not first or len(first) != len(second):
        return False
    if graph[second[0]].order != graph[first[-1]].order + 1:
        return False  # something in between
    exits = _outside(graph, first, users=True)
    if len(exits) != 1 or _outside(graph, second, users=False) != exits:
        return False
    if any(not set(graph.users(n)) <= set(first) | set(second) for n in exits):
        return False  # the first's output is read elsewhere too
    return _same_layers(graph, before, after, first, second)


def _outside(graph: Graph, nodes: list[str], *, users: bool) -> set[str]:
    """The nodes of ``nodes`` read from outside (``users``), or the outside nodes they read."""
    inside = set(nodes)
    if users:
        return {n for n in nodes if any(u not in inside for u in graph.users(n))}
    return {s for n in nodes for s in graph.inputs(n) if s not in inside}


def _same_layers(
    graph: Graph, before: str, after: str, first: list[str], second: list[str]
) -> bool:
    def local(node: str, scope: str) -> str:
        return node[len(scope) + 1 :] if node.startswith(scope + ".") else "outside"

    for one, two in zip(first, second, strict=True):
        x, y = graph[one], graph[two]
        if (local(one, before), x.op, dict(x.attrs), x.label) != (
            local(two, after),
            y.op,
            dict(y.attrs),
            y.label,
        ):
            return False
        ins = [(local(s, before), graph.edge(s, one)) for s in graph.inputs(one)]
        outs = [(local(s, after), graph.edge(s, two)) for s in graph.inputs(two)]
        if ins != outs:
            return False
    return True
