"""What a figure shows: the IR at a level of the spec's hierarchy, or one part of it.

Depth means the same in every section: **1** sections and groups (``stem``, each group, ``task``
as boxes; a learner without groups is one box), **2** blocks (each template instance of kind
block as a box; the layers of a section or group that are in no block, such as JumpGroup's own
``bn relu conv``, as one box per run), **3** every layer. A frame that would hold a single box
is drawn as that box: the stem stays one box at depth 2. With a focus, levels count from the
focused part (``--focus learner.group2 --depth 1``: its blocks).

Consecutive identical instances are drawn once, marked ×n (:mod:`jumpdsl.backends.draw_collapse`);
``fold`` draws each conv with the norms and activations next to it (``bn · relu · conv``) as one
box. A boxed scope keeps its *tail merge* (the add or concat that ends it with a skip or jump,
and any layers after it, like ResNet's relu) and that shortcut's path outside the box, so skips
and jumps stay visible at every level. No torch, no Graphviz here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from jumpdsl.backends.draw_collapse import Runs, find_runs
from jumpdsl.ir.graph import SECTIONS, Graph

__all__ = [
    "AUTO_DEPTH_LIMIT",
    "FOLDED_OPS",
    "OFF_SPINE",
    "FocusError",
    "View",
    "ViewEdge",
    "ViewNode",
    "build_view",
]

# Auto depth takes the deepest level whose figure has at most this many nodes.
AUTO_DEPTH_LIMIT = 100
LAYER_LEVEL = 3
# The scopes of shortcut paths and branch arms: drawn beside the main flow, not on it.
OFF_SPINE = re.compile(r"^(skip|jump|arm)\d+$")
# What folds into the box of the conv (or dense) next to it.
FOLDED_OPS = frozenset(
    {
        *("bn", "layernorm", "groupnorm", "instancenorm"),
        *("relu", "relu6", "leaky_relu", "prelu", "elu", "gelu", "silu", "mish"),
        *("sigmoid", "hardswish", "tanh"),
    }
)
_ANCHORS = frozenset({"conv", "dense"})
_LEVEL = {"group": 1, "block": 2}

OUTPUT = "output"


class FocusError(ValueError):
    """``--focus`` names no part of the network; the message lists the parts there are."""


@dataclass(frozen=True)
class ViewNode:
    """One drawn node. ``role``: input, layer, merge, box (a scope), run (layers drawn as one
    box), path (a shortcut's layers), port (a tensor entering or leaving the focused part) or
    output. ``count``: how many identical instances the box stands for."""

    id: str
    role: str
    members: tuple[str, ...]
    clusters: tuple[str, ...]
    spine: bool
    count: int = 1


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
    counts: dict[str, int] = field(default_factory=dict)  # scope → identical instances drawn once
    stands_for: dict[str, tuple[str, ...]] = field(default_factory=dict)  # drawn → hidden twins

    def represented(self, nodes: Iterable[str]) -> list[str]:
        """``nodes`` and the hidden instances' nodes they stand for (parameter counts)."""
        return [m for n in nodes for m in (n, *self.stands_for.get(n, ()))]


def build_view(
    graph: Graph,
    depth: int | None = None,
    focus: str | None = None,
    *,
    collapse: bool = True,
    fold: bool = False,
) -> View:
    """The figure's nodes, edges and clusters; ``depth=None`` picks the deepest level that fits
    :data:`AUTO_DEPTH_LIMIT` nodes. ``collapse``: identical consecutive instances drawn once."""
    inside = _members(graph, focus)
    runs = find_runs(graph).inside(focus) if collapse else Runs()
    if depth is not None:
        return _View(graph, inside, depth, focus, runs, fold).build()
    for level in range(LAYER_LEVEL, 1, -1):
        view = _View(graph, inside, level, focus, runs, fold).build()
        if len(view.nodes) <= AUTO_DEPTH_LIMIT:
            return view
    return _View(graph, inside, 1, focus, runs, fold).build()


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


def level_of(graph: Graph, prefix: str) -> int | None:
    """The depth at which ``prefix`` is drawn as one box: 1 for stem, task, groups (and a
    learner without groups), 2 for blocks; 0 for a learner with groups (always a frame); None
    for a prefix that is no part (a shortcut's path, a branch)."""
    scope = graph.scopes.get(prefix)
    if scope is not None:
        return _LEVEL.get(scope.kind, 2)
    if prefix == "learner":
        groups = any(
            s.startswith("learner.") and v.kind == "group" for s, v in graph.scopes.items()
        )
        return 0 if groups else 1
    return 1 if prefix in SECTIONS else None


def _chain(graph: Graph, node: str) -> list[tuple[str, int]]:
    """The parts that contain ``node`` with their levels, outermost first."""
    parts = node.split(".")
    chain = []
    for i in range(1, len(parts)):
        prefix = ".".join(parts[:i])
        level = level_of(graph, prefix)
        if level is not None:
            chain.append((prefix, level))
    return chain


class _View:
    """One build: owners of the IR nodes, then nodes, clusters and edges of the view."""

    def __init__(
        self,
        graph: Graph,
        inside: list[str],
        depth: int,
        focus: str | None,
        runs: Runs,
        fold: bool,
    ):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self.graph, self.focus, self.runs, self.fold = graph, focus, runs, fold
        self.inside = set(inside)
        self.members = [n for n in inside if not runs.hidden(n)]
        base = 0
        if focus is not None:
            base = max((lvl for _, lvl in _chain(graph, focus + ".x")), default=0)
        self.level = depth + base  # the depth counted from the whole network
        stands_for: dict[str, list[str]] = {}
        for hidden, drawn in runs.stand_in.items():
            stands_for.setdefault(drawn, []).append(hidden)
        twins = {n: tuple(h) for n, h in stands_for.items()}
        self.view = View(depth=depth, focus=focus, counts=dict(runs.counts), stands_for=twins)
        self.kept: dict[str, dict[str, str]] = {}  # boxed scope → {node: owner} kept outside
        self.edge_index: dict[tuple[str, str], int] = {}
        self.chains = {n: self.chain(n) for n in self.members}

    def chain(self, node: str) -> list[tuple[str, int]]:
        """The parts strictly inside the focus that contain ``node``."""
        chain = _chain(self.graph, node)
        if self.focus is None:
            return chain
        return [(p, lvl) for p, lvl in chain if p.startswith(self.focus + ".")]

    def build(self) -> View:
        owners = self.owners()
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
                drawn = self.runs.visible(source)
                tail = owners.get(drawn) or self.port(source, "in")
                self.add_edge(tail, owners[node], self.graph.edge(source, node).kind, source)
        for node in self.graph.order():
            if node in self.inside:
                for succ in self.graph.users(node):
                    if succ not in self.inside:
                        self.add_edge(
                            owners[self.runs.visible(node)], self.port(node, "out"), "flow", node
                        )
        if self.graph.output in self.inside:
            out = self.graph.output
            self.view.nodes[OUTPUT] = ViewNode(OUTPUT, "output", (), (), True)
            self.add_edge(owners[self.runs.visible(out)], OUTPUT, "flow", out)
        return self.view

    # ------------------------------------------------------------ owners

    def owners(self) -> dict[str, str]:
        owners = {n: self.owner(n) for n in self.members}
        self.group_runs(owners)
        self.single_boxes(owners)
        return owners

    def owner(self, node: str) -> str:
        """The view node that draws ``node``: itself, the box of a part, or a shortcut path."""
        for scope, level in self.chains[node]:
            if level >= self.level:
                return self.kept_outside(scope).get(node, scope)
        return node

    def kept_outside(self, scope: str) -> dict[str, str]:
        """The tail merge of ``scope`` (owner: itself) and its shortcut's path (owner: the path)."""
        if scope not in self.kept:
            self.kept[scope] = _tail_and_path(self.graph, scope)
        return self.kept[scope]

    def group_runs(self, owners: dict[str, str]) -> None:
        """Runs of layers that are drawn as one box: above the layer level, the layers of a
        section or group that are in no block; with ``fold``, each conv with its neighbours."""
        runnable = [n for n in self.members if owners[n] == n and self.runnable(n)]
        for run in _chains(self.graph, runnable):
            parts = [run] if self.level < LAYER_LEVEL else _folds(self.graph, run)
            for part in parts:
                if len(part) > 1 or self.level < LAYER_LEVEL:
                    for node in part:
                        owners[node] = f"{part[0]}.run"

    def runnable(self, node: str) -> bool:
        data = self.graph[node]
        if data.is_input or self.graph.ops[data.op].merge:
            return False
        if self.level < LAYER_LEVEL:
            return all(level < 2 for _, level in _chain(self.graph, node))
        return self.fold

    def single_boxes(self, owners: dict[str, str]) -> None:
        """A part drawn as a frame around one box is drawn as that box."""
        opened = {p for n in self.members for p, lvl in self.chains[n] if 1 <= lvl < self.level}
        for scope in sorted(opened, key=lambda s: -s.count(".")):
            kept = self.kept_outside(scope)
            nodes = [n for n in self.members if n.startswith(scope + ".")]
            inner = {owners[n] for n in nodes if n not in kept}
            if len(inner) != 1:
                continue
            for node in nodes:
                owners[node] = kept.get(node, scope)

    # ------------------------------------------------------------ nodes and clusters

    def add_node(self, owner: str, nodes: list[str]) -> None:
        role = self.role(owner, nodes)
        clusters = self.clusters_of(owner, nodes[0])
        for cluster in clusters:
            if cluster not in self.view.clusters:
                self.view.clusters.append(cluster)
        spine = role != "path" and not _off_spine(self.relative(owner))
        count = self.runs.counts.get(owner, 1)
        self.view.nodes[owner] = ViewNode(owner, role, tuple(nodes), clusters, spine, count)

    def relative(self, owner: str) -> str:
        return owner[len(self.focus) + 1 :] if self.focus else owner

    def role(self, owner: str, nodes: list[str]) -> str:
        if owner in self.graph and nodes == [owner]:
            node = self.graph[owner]
            merge = not node.is_input and self.graph.ops[node.op].merge
            return "input" if node.is_input else "merge" if merge else "layer"
        if owner.endswith(".run"):
            return "path" if _off_spine(self.relative(owner)) else "run"
        return "box" if owner in self.graph.scopes or owner in SECTIONS else "path"

    def clusters_of(self, owner: str, member: str) -> tuple[str, ...]:
        """Open parts around ``owner``: the focus, then the parts above the drawn level. The
        tail merge of a leaf part (a block) sits below its cluster, so the skip goes around
        the block rather than into it."""
        frame = [self.focus] if self.focus is not None else []
        opened = [p for p, lvl in self.chains[member] if lvl < self.level]
        for i, scope in enumerate(opened):
            if not owner.startswith(scope + ".") or self.tail_below(scope, member):
                return tuple(frame + opened[:i])
        return tuple(frame + opened)

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


def _off_spine(node: str) -> bool:
    return any(OFF_SPINE.match(part) for part in node.split("."))


def _chains(graph: Graph, nodes: list[str]) -> list[list[str]]:
    """``nodes`` cut into chains: same parent scope (the main flow and a shortcut's path are
    two), each the only reader of the one before."""
    chains: list[list[str]] = []
    for node in nodes:
        last = chains[-1][-1] if chains else None
        if (
            last is not None
            and graph.inputs(node) == [last]
            and graph.users(last) == [node]
            and last.rsplit(".", 1)[0] == node.rsplit(".", 1)[0]
        ):
            chains[-1].append(node)
        else:
            chains.append([node])
    return chains


def _folds(graph: Graph, chain: list[str]) -> list[list[str]]:
    """A chain cut into conv boxes: each conv (or dense) with the norms and activations before
    it (``bn · relu · conv``, pre-activation) or after it (``conv · bn · relu``); other layers
    alone."""
    parts: list[list[str]] = []
    current: list[str] = []
    anchored = False
    for node in chain:
        op = graph[node].op
        if op in _ANCHORS:
            if anchored or any(graph[n].op not in FOLDED_OPS for n in current):
                parts.append(current) if current else None
                current = []
            current.append(node)
            anchored = True
        elif op in FOLDED_OPS:
            if anchored and current and graph[current[0]].op not in _ANCHORS:
                parts.append(current)  # pre-activation: the conv closed its box
                current, anchored = [], False
            current.append(node)
        else:
            if current:
                parts.append(current)
            parts.append([node])
            current, anchored = [], False
    if current:
        parts.append(current)
    return [p for p in parts if p]


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
    if data.is_input or not graph.ops[data.op].merge:
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
