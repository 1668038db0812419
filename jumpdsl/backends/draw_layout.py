"""Layout hints for dot, so figures read like the ones drawn by hand.

- The main flow is a straight spine: its nodes share a ``group`` and its edges weigh more.
- Skips and jumps leave and rejoin the spine on one side (the side away from cluster labels,
  which sit top-left), so they never cross a label and never cross each other's sides.
- Top to bottom, a cluster's title is a node of its own, above and beside the spine: dot keeps
  edges off nodes but not off cluster labels, and the spine enters every cluster at its top.
- A shortcut's own layers (``jump concat { bn conv }``) sit beside the end of what they bypass,
  level with the last layers before the merge, on that same side: the long edge is the
  shortcut itself, the short one its merge.
- A branch's arms start level and in the order the merge takes them (concat order), left to
  right (top to bottom for ``LR``).
- A main flow too long for the page is folded into columns (rows for ``LR``) of about equal
  length, cut only between parts (never inside a group's or block's frame): each column's top
  is ranked with the first one's, the edges that cross to the next column do not push ranks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import graphviz

from jumpdsl.backends.draw_view import OFF_SPINE, View, ViewEdge, ViewNode
from jumpdsl.ir.graph import SECTIONS

__all__ = [
    "TITLE_EDGE",
    "Columns",
    "align_arms",
    "align_paths",
    "cluster_hints",
    "continuation",
    "edge_hints",
    "fold_columns",
    "framed",
    "node_hints",
    "rewire",
    "title_edges",
    "title_id",
]

# Where skips and jumps meet the spine: its right side top to bottom, its lower side left to
# right; cluster labels stay on the other side. These ports, not invisible edges within a rank
# (dot ignores those here), are what put a shortcut's path on that side.
_HEAD_SIDE: dict[str, dict[str, str]] = {
    "TB": {"skip": "e", "jump": "e"},
    "LR": {"skip": "s", "jump": "s"},
}
# Leaving from a corner keeps an arc that ends at a merge and the next one that starts there two
# lines, and off the shape label under the node; a jump leaves a box higher than a skip, so the
# outer arc never crosses the inner one. Chosen by counting crossings over every spec in specs/.
_TAIL_SIDE: dict[str, dict[str, str]] = {
    "TB": {"skip": "se", "jump": "se", "skip from box": "se", "jump from box": "e"},
    "LR": {},
}
_LABEL_LOC = {"TB": "t", "LR": "t"}
_NEXT_COLUMN = {"TB": ("s", "w"), "LR": ("s", "n")}
# Invisible, pulling nothing straight, and leaving from the lower left: the title goes left of
# the spine, away from the shortcuts (without the port, some titles went right).
TITLE_EDGE = {"style": "invis", "weight": "0", "tailport": "sw"}


def node_hints(view: View, node_id: str, columns: Columns) -> dict[str, str]:
    """The spine in one ``group`` per column; each shortcut path or branch arm in a group of
    its own, so its layers line up too."""
    if view.nodes[node_id].spine:
        column = columns.of(node_id)
        return {"group": f"spine{column}" if column else "spine"}
    parts = node_id.split(".")
    for i, part in enumerate(parts):
        if OFF_SPINE.match(part):
            return {"group": ".".join(parts[: i + 1])}
    return {}


def cluster_hints(rankdir: str) -> dict[str, str]:
    return {"labeljust": "l", "labelloc": _LABEL_LOC[rankdir]}


def edge_hints(edge: ViewEdge, view: View, rankdir: str, columns: Columns) -> dict[str, str]:
    tail, head = view.nodes[edge.tail], view.nodes[edge.head]
    crossing = columns.crossing(edge.tail, edge.head)
    if head.role == "continue":  # to the next column (row): out below, into its start
        out, into = _NEXT_COLUMN[rankdir]
        return {"weight": "0", "tailport": out, "headport": into, **crossing}
    if edge.kind == "flow":
        return {"weight": "8" if tail.spine and head.spine else "1", **crossing}
    hints = {"weight": "1", **crossing}
    ports = _TAIL_SIDE[rankdir]
    tailport = ports.get(edge.kind) if tail.role == "merge" else ports.get(f"{edge.kind} from box")
    if tailport and tail.spine:
        hints["tailport"] = tailport
    headport = _HEAD_SIDE[rankdir].get(edge.kind)
    if headport and head.spine:
        hints["headport"] = headport
    return hints


def align_paths(dot: graphviz.Digraph, view: View) -> None:
    """Rank each shortcut path's layers level with the spine's last layers before its merge."""
    flow_in: dict[str, str] = {}
    short_in: dict[str, list[str]] = {}
    for edge in view.edges:
        if edge.kind == "flow":
            flow_in.setdefault(edge.head, edge.tail)
        else:
            short_in.setdefault(edge.head, []).append(edge.tail)
    for merge, tails in short_in.items():
        if not view.nodes[merge].spine:
            continue
        for last in tails:
            path = _walk(last, lambda n: _single(short_in.get(n)), view, spine=False)
            spine = _walk(flow_in.get(merge), flow_in.get, view, spine=True, limit=len(path))
            feeding = {e.tail for e in view.edges if e.head in path}
            for beside, node in zip(spine, path, strict=False):
                if beside in feeding:
                    break  # the path starts inside it (`skip add from pre`): it goes below
                with dot.subgraph() as rank:
                    rank.attr(rank="same")
                    rank.node(beside)
                    rank.node(node)


def _single(tails: list[str] | None) -> str | None:
    return tails[0] if tails and len(tails) == 1 else None


def _walk(
    start: str | None,
    step: Callable[[str], str | None],
    view: View,
    *,
    spine: bool,
    limit: int = 1_000_000,
) -> list[str]:
    """Nodes back from ``start`` while they are on (or off) the spine, nearest first."""
    found: list[str] = []
    node = start
    while node is not None and node in view.nodes and view.nodes[node].spine == spine:
        if len(found) == limit:
            break
        if view.nodes[node].role in ("input", "port") or node in found:
            break
        found.append(node)
        node = step(node)
    return found


def title_id(cluster: str) -> str:
    return f"title.{cluster}"  # no colon: DOT would read it as a port


def title_edges(view: View, shown: set[str]) -> list[tuple[str, str]]:
    """Invisible edges that rank each cluster's title above the cluster's first spine node:
    from the node before it (or the enclosing cluster's title, when both clusters start at
    the same node) to the title, and from the title to that first node."""
    flow_in = {e.head: e.tail for e in view.edges if e.kind == "flow"}
    first: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for cluster in (c for c in view.clusters if c in shown):
        node = next((n.id for n in view.nodes.values() if n.spine and cluster in n.clusters), None)
        if node is None:
            continue
        first[cluster] = node
        parents = [c for c in first if cluster.startswith(c + ".") and first[c] == node]
        before = title_id(max(parents, key=len)) if parents else flow_in.get(node)
        if before is not None:
            edges.append((before, title_id(cluster)))
        edges.append((title_id(cluster), node))
    return edges


def align_arms(dot: graphviz.Digraph, view: View) -> None:
    """Start a branch's arms level, in their order (the merge's port order), left to right."""
    firsts: dict[str, dict[int, str]] = {}
    for node in view.nodes.values():
        match = _ARM.search(node.id)
        if match is not None:
            firsts.setdefault(match.group(1), {}).setdefault(int(match.group(2)), node.id)
    for arms in firsts.values():
        if len(arms) > 1:
            with dot.subgraph() as rank:
                rank.attr(rank="same")
                ordered = [arms[i] for i in sorted(arms)]
                for first in ordered:
                    rank.node(first)
                for left, right in pairwise(ordered):
                    rank.edge(left, right, style="invis")


_ARM = re.compile(r"^(.*\.branch\d+)\.arm(\d+)\.")


@dataclass
class Columns:
    """The main flow folded into ``count`` columns: the column of each node, the first spine
    node of each column (its top) and the last (its bottom)."""

    count: int = 1
    column: dict[str, int] = field(default_factory=dict)
    tops: list[str] = field(default_factory=list)
    bottoms: list[str] = field(default_factory=list)

    def of(self, node: str) -> int:
        return self.column.get(node, 0)

    def crossing(self, tail: str, head: str) -> dict[str, str]:
        """An edge into the next column must not rank its head below its tail."""
        return {"constraint": "false"} if self.of(tail) != self.of(head) else {}

    def align_tops(self, dot: graphviz.Digraph) -> None:
        """Each column's top level with the first one's, the columns in order."""
        if self.count < 2:
            return
        with dot.subgraph() as rank:
            rank.attr(rank="same")
            for node in self.tops:
                rank.node(node)
            for left, right in pairwise(self.tops):
                rank.edge(left, right, style="invis")


def fold_columns(view: View, count: int, heights: dict[str, float], titled: bool) -> Columns:
    """The spine cut into ``count`` columns of about equal height (fewer where there are not
    enough places to cut). A cut goes only between two spine nodes that share no frame below a
    section's, and where every edge across it leaves the last node before it (so one
    continuation point at the next column's top takes them all). ``titled``: clusters have
    title nodes (top to bottom), which go in their cluster's column."""
    spine = [n for n in view.nodes.values() if n.spine]
    columns = Columns(1, {}, [spine[0].id] if spine else [], [spine[-1].id] if spine else [])
    if count < 2 or len(spine) < 2:
        return columns
    position = _positions(view, spine)
    flow = {(e.tail, e.head) for e in view.edges if e.kind == "flow"}
    cuts = [
        i
        for i in range(1, len(spine))
        if (spine[i - 1].id, spine[i].id) in flow
        and not _shared_frame(view, spine[i - 1].clusters, spine[i].clusters)
        and all(
            e.tail == spine[i - 1].id
            for e in view.edges
            if position.get(e.tail, 0) < i <= position.get(e.head, 0)
        )
    ]
    total = sum(heights.get(n.id, 0.0) for n in spine)
    reach, top = [], 0.0
    for node in spine:
        reach.append(top)
        top += heights.get(node.id, 0.0)
    chosen: list[int] = []
    for j in range(1, count):
        goal = total * j / count
        left = [c for c in cuts if not chosen or c > chosen[-1]]
        if not left:
            break
        chosen.append(min(left, key=lambda c: (abs(reach[c] - goal), c)))
    starts = [0, *chosen]
    ends = [*chosen, len(spine)]
    for name, at in position.items():
        columns.column[name] = sum(1 for s in chosen if at >= s)
    columns.count = len(starts)
    columns.tops = [spine[0].id] + [continuation(j) for j in range(1, len(starts))]
    columns.bottoms = [spine[end - 1].id for end in ends]
    for j in range(1, len(starts)):
        columns.column[continuation(j)] = j
    if titled:
        _place_titles(view, columns)
    return columns


def continuation(column: int) -> str:
    """The point at a column's top where the flow from the column before comes in."""
    return f"cont.{column}"


def _positions(view: View, spine: list[ViewNode]) -> dict[str, int]:
    """Each node's place along the spine: a spine node's index; a node off it, that of the
    spine node it leads to (a shortcut's layers: their merge's)."""
    position = {n.id: i for i, n in enumerate(spine)}
    out: dict[str, list[str]] = {}
    for edge in view.edges:
        out.setdefault(edge.tail, []).append(edge.head)
    for node in view.nodes.values():
        todo, seen = list(out.get(node.id, [])), set()
        while node.id not in position and todo:
            nxt = todo.pop(0)
            if nxt in position and view.nodes[nxt].spine:
                position[node.id] = position[nxt]
            elif nxt not in seen:
                seen.add(nxt)
                todo.extend(out.get(nxt, []))
    return position


def rewire(view: View, columns: Columns) -> View:
    """The view with each column's incoming edges leaving its continuation point, and one
    edge from the column before into that point."""
    if columns.count < 2:
        return view
    nodes = dict(view.nodes)
    edges = []
    joined: set[int] = set()
    for edge in view.edges:
        head = columns.of(edge.head)
        if columns.of(edge.tail) < head:
            point = continuation(head)
            if head not in joined:
                joined.add(head)
                nodes[point] = ViewNode(point, "continue", (), (), True)
                edges.append(ViewEdge(edge.tail, point, "flow", edge.tensor))
            edge = ViewEdge(point, edge.head, edge.kind, edge.tensor)
        edges.append(edge)
    return View(
        view.depth, view.focus, nodes, edges, list(view.clusters), view.counts, view.stands_for
    )


def framed(view: View, folded: bool) -> list[str]:
    """The clusters drawn: all but a frame around nothing but one other frame (the stem's
    around its ResNetStem), and in a folded figure none that would span columns (the
    sections' frames, the focus's)."""
    shown = [c for c in view.clusters if not folded or not _outer(view, c)]
    holds: dict[str, set[str]] = {c: set() for c in shown}
    for node in view.nodes.values():
        inner = [c for c in node.clusters if c in holds]
        for i, cluster in enumerate(inner):
            holds[cluster].add(inner[i + 1] if i + 1 < len(inner) else node.id)
    return [c for c in shown if not (len(holds[c]) == 1 and next(iter(holds[c])) in holds)]


def _outer(view: View, cluster: str) -> bool:
    return cluster in SECTIONS or cluster == view.focus


def _shared_frame(view: View, left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    return any(c in right and not _outer(view, c) for c in left)


def _place_titles(view: View, columns: Columns) -> None:
    """A framed part's title in its part's column."""
    for cluster in framed(view, folded=True):
        first = next((n.id for n in view.nodes.values() if n.spine and cluster in n.clusters), None)
        if first is not None:
            columns.column[title_id(cluster)] = columns.of(first)
