"""What a figure shows: the IR collapsed to a level of the spec's hierarchy, or one part of it.

Levels follow the collapsible scopes of a node, outermost first: the sections ``stem`` and
``task``, then every template instance (groups, blocks). At depth ``d`` a node inside the
``d``-th such scope is drawn as that scope's box; a node inside fewer is drawn as itself. So for
stem / groups / blocks networks depth 1 shows stem, groups and task, depth 2 the blocks, depth 3
every layer. With a focus, levels count from the focused part.

A boxed scope keeps its *tail merge* (the add or concat that ends it with a skip or jump, and
any layers after it, like ResNet's relu) and that shortcut's path outside the box, so skips and
jumps stay visible at every level.
No torch, no Graphviz here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from jumpdsl.ir.graph import SECTIONS, Graph
from jumpdsl.ir.ops import OPS

__all__ = [
    "AUTO_DEPTH_LIMIT",
    "OFF_SPINE",
    "FocusError",
    "View",
    "ViewEdge",
    "ViewNode",
    "build_view",
]

# Auto depth takes the deepest level whose figure has at most this many nodes.
AUTO_DEPTH_LIMIT = 100

# The learner is a frame around its groups; stem and task are boxes at depth 1.
_BOXED_SECTIONS = ("stem", "task")
# The scopes of shortcut paths and branch arms: drawn beside the main flow, not on it.
OFF_SPINE = re.compile(r"^(skip|jump|arm)\d+$")

OUTPUT = "output"


class FocusError(ValueError):
    """``--focus`` names no part of the network; the message lists the parts there are."""


@dataclass(frozen=True)
class ViewNode:
    """One drawn node. ``role``: input, layer, merge, box (a scope), path (a shortcut's layers),
    port (a tensor entering or leaving the focused part) or output."""

    id: str
    role: str
    members: tuple[str, ...]
    clusters: tuple[str, ...]
    spine: bool


@dataclass(frozen=True)
class ViewEdge:
    tail: str
    head: str
    kind: str
    tensor: str  # the IR node whose output this edge carries


@dataclass
class View:
    depth: int
    focus: str | None
    nodes: dict[str, ViewNode] = field(default_factory=dict)
    edges: list[ViewEdge] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)  # cluster scopes, outermost first


def build_view(graph: Graph, depth: int | None = None, focus: str | None = None) -> View:
    """The figure's nodes, edges and clusters; ``depth=None`` picks the deepest level that fits
    :data:`AUTO_DEPTH_LIMIT` nodes."""
    members = _members(graph, focus)
    if depth is not None:
        return _View(graph, members, depth, focus).build()
    deepest = max((len(_chain(graph, n, focus)) for n in members), default=0) + 1
    for level in range(deepest, 1, -1):
        view = _View(graph, members, level, focus).build()
        if len(view.nodes) <= AUTO_DEPTH_LIMIT:
            return view
    return _View(graph, members, 1, focus).build()


def _members(graph: Graph, focus: str | None) -> list[str]:
    order = graph.order()
    if focus is None:
        return order
    inside = [n for n in order if n == focus or n.startswith(focus + ".")]
    if not inside:
        raise FocusError(_focus_message(graph, focus))
    return inside


def _focus_message(graph: Graph, focus: str) -> str:
    parts = [s for s in SECTIONS if any(n.startswith(s + ".") for n in graph)]
    parts += list(graph.scopes)
    close = difflib.get_close_matches(focus, parts, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    shown = ", ".join(parts[:12]) + (", …" if len(parts) > 12 else "")
    return f"--focus: no part named '{focus}' in {graph.name}; {hint}parts: {shown}"


def _chain(graph: Graph, node: str, focus: str | None) -> list[str]:
    """The collapsible scopes that contain ``node`` (strictly inside ``focus``), outermost first."""
    scopes = graph.scopes
    parts = node.split(".")
    chain = []
    for i in range(1, len(parts)):
        prefix = ".".join(parts[:i])
        if focus is not None and not prefix.startswith(focus + "."):
            continue
        if prefix in scopes or (focus is None and prefix in _BOXED_SECTIONS):
            chain.append(prefix)
    return chain


class _View:
    """One build: owners of the IR nodes, then nodes, clusters and edges of the view."""

    def __init__(self, graph: Graph, members: list[str], depth: int, focus: str | None):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self.graph, self.members, self.depth, self.focus = graph, members, depth, focus
        self.inside = set(members)
        self.view = View(depth=depth, focus=focus)
        self.kept: dict[str, dict[str, str]] = {}  # boxed scope → {node: owner} kept outside
        self.edge_index: dict[tuple[str, str], int] = {}

    def build(self) -> View:
        owners = {n: self.owner(n) for n in self.members}
        for node in self.members:  # ports first: the figure starts where its tensors enter
            for source in self.graph.inputs(node):
                if source not in self.inside:
                    self.port(source, "in")
        grouped: dict[str, list[str]] = {}
        for node in self.members:
            grouped.setdefault(owners[node], []).append(node)
        for owner, nodes in grouped.items():
            self.add_node(owner, nodes)
        for node in self.members:
            for source in self.graph.inputs(node):
                tail = owners.get(source) or self.port(source, "in")
                self.add_edge(tail, owners[node], self.graph.edge(source, node).kind, source)
            for succ in self.graph.users(node):
                if succ not in self.inside:
                    self.add_edge(owners[node], self.port(node, "out"), "flow", node)
        if self.graph.output in self.inside:
            out = self.graph.output
            self.view.nodes[OUTPUT] = ViewNode(OUTPUT, "output", (), (), True)
            self.add_edge(owners[out], OUTPUT, "flow", out)
        return self.view

    # ------------------------------------------------------------ owners

    def owner(self, node: str) -> str:
        """The view node that draws ``node``: itself, the box of a scope, or a shortcut path."""
        chain = _chain(self.graph, node, self.focus)
        if self.depth > len(chain):
            return node
        scope = chain[self.depth - 1]
        return self.kept_outside(scope).get(node, scope)

    def kept_outside(self, scope: str) -> dict[str, str]:
        """The tail merge of ``scope`` (owner: itself) and its shortcut's path (owner: the path)."""
        if scope not in self.kept:
            self.kept[scope] = _tail_and_path(self.graph, scope)
        return self.kept[scope]

    # ------------------------------------------------------------ nodes and clusters

    def add_node(self, owner: str, nodes: list[str]) -> None:
        role = self.role(owner, nodes)
        clusters = self.clusters_of(owner, nodes[0])
        for cluster in clusters:
            if cluster not in self.view.clusters:
                self.view.clusters.append(cluster)
        rel = owner[len(self.focus) + 1 :] if self.focus else owner
        spine = role != "path" and not any(OFF_SPINE.match(p) for p in rel.split("."))
        self.view.nodes[owner] = ViewNode(owner, role, tuple(nodes), clusters, spine)

    def role(self, owner: str, nodes: list[str]) -> str:
        if owner in self.graph and nodes == [owner]:
            node = self.graph[owner]
            return "input" if node.is_input else "merge" if OPS[node.op].merge else "layer"
        return "box" if owner in self.graph.scopes or owner in SECTIONS else "path"

    def clusters_of(self, owner: str, member: str) -> tuple[str, ...]:
        """Open (not boxed) scopes around ``owner``: the focus or learner frame, then the
        collapsible scopes above the drawn level. The tail merge of a leaf scope (a block)
        sits below its cluster, so the skip goes around the block rather than into it."""
        if self.focus is not None:
            frame = [self.focus]
        else:
            section = self.graph[member].section
            frame = [section] if section not in _BOXED_SECTIONS and section in SECTIONS else []
        chain = _chain(self.graph, member, self.focus)[: self.depth - 1]
        for i, scope in enumerate(chain):
            if not owner.startswith(scope + ".") or self.tail_below(scope, member):
                return tuple(frame + chain[:i])
        return tuple(frame + chain)

    def tail_below(self, scope: str, member: str) -> bool:
        if self.kept_outside(scope).get(member) != member:
            return False
        return not any(s.startswith(scope + ".") for s in self.graph.scopes)

    def port(self, node: str, direction: str) -> str:
        """A stand-in for a tensor that crosses the focused part's border."""
        port = f"{direction}.{node}"  # no colon: DOT would read it as a port
        if port not in self.view.nodes:
            self.view.nodes[port] = ViewNode(port, "port", (node,), (), True)
        return port

    # ------------------------------------------------------------ edges

    def add_edge(self, tail: str, head: str, kind: str, tensor: str) -> None:
        """One edge per pair of view nodes: several IR edges into a box carry the same tensor,
        and the main flow names it best."""
        if tail == head:
            return
        edge = ViewEdge(tail, head, kind, tensor)
        index = self.edge_index.setdefault((tail, head), len(self.view.edges))
        if index == len(self.view.edges):
            self.view.edges.append(edge)
        elif kind == "flow" and self.view.edges[index].kind != "flow":
            self.view.edges[index] = edge


def _tail_and_path(graph: Graph, scope: str) -> dict[str, str]:
    """``{tail merge and the layers after it: themselves, shortcut path node: path id}`` for a
    scope that ends in a merge fed by a skip or jump, perhaps then a chain of layers (ResNet's
    relu after the add); empty otherwise."""
    tail, after = _tail_merge(graph, scope)
    if tail is None:
        return {}
    kept = {n: n for n in (tail, *after)}
    path = _shortcut_path(graph, tail, scope)
    if path:
        common = _common_scope(path)
        path_id = common if common.startswith(scope + ".") else f"{tail}.path"
        kept.update(dict.fromkeys(path, path_id))
    return kept


def _tail_merge(graph: Graph, scope: str) -> tuple[str | None, list[str]]:
    """The scope's last shortcut merge, if only a chain of its own layers follows it."""
    direct = [n for n in graph if n.rsplit(".", 1)[0] == scope]
    merges = [n for n in direct if _is_shortcut_merge(graph, n)]
    if not merges:
        return None, []
    tail, node = merges[-1], merges[-1]
    after: list[str] = []
    while not _ends(graph, node, scope):
        inside = [s for s in graph.users(node) if s.startswith(scope + ".")]
        if len(inside) != 1 or inside[0] not in direct or len(graph.inputs(inside[0])) != 1:
            return None, []
        node = inside[0]
        after.append(node)
    return tail, after


def _is_shortcut_merge(graph: Graph, node: str) -> bool:
    data = graph[node]
    if data.is_input or not OPS[data.op].merge:
        return False
    return any(graph.edge(p, node).kind != "flow" for p in graph.inputs(node))


def _ends(graph: Graph, node: str, scope: str) -> bool:
    return not any(s.startswith(scope + ".") for s in graph.users(node))


def _shortcut_path(graph: Graph, tail: str, scope: str) -> list[str]:
    """The layers on the shortcut into ``tail``: back along skip/jump edges, inside ``scope``."""
    found: list[str] = []
    todo = [p for p in graph.inputs(tail) if graph.edge(p, tail).kind != "flow"]
    while todo:
        node = todo.pop()
        if node in found or not node.startswith(scope + "."):
            continue
        found.append(node)
        todo.extend(p for p in graph.inputs(node) if graph.edge(p, node).kind != "flow")
    return sorted(found, key=lambda n: graph[n].order)


def _common_scope(nodes: Iterable[str]) -> str:
    split = [n.split(".")[:-1] for n in nodes]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common)
