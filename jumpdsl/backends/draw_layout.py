"""Layout hints for dot, so figures read like the ones drawn by hand.

- The main flow is a straight spine: its nodes share a ``group`` and its edges weigh more.
- Skips and jumps leave and rejoin the spine on one side (the side away from cluster labels,
  which sit top-left), so they never cross a label and never cross each other's sides.
- Top to bottom, a cluster's title is a node of its own, above and beside the spine: dot keeps
  edges off nodes but not off cluster labels, and the spine enters every cluster at its top.
- A shortcut's own layers (``jump concat { bn conv }``) sit beside the end of what they bypass,
  level with the last layers before the merge, on that same side: the long edge is the
  shortcut itself, the short one its merge.
"""

from __future__ import annotations

from collections.abc import Callable

import graphviz

from jumpdsl.backends.draw_view import OFF_SPINE, View, ViewEdge

__all__ = [
    "TITLE_EDGE",
    "align_paths",
    "cluster_hints",
    "edge_hints",
    "node_hints",
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
# Invisible, pulling nothing straight, and leaving from the lower left: the title goes left of
# the spine, away from the shortcuts (without the port, some titles went right).
TITLE_EDGE = {"style": "invis", "weight": "0", "tailport": "sw"}


def node_hints(view: View, node_id: str) -> dict[str, str]:
    """The spine in one ``group``; each shortcut path or branch arm in a group of its own, so
    its layers line up too."""
    if view.nodes[node_id].spine:
        return {"group": "spine"}
    parts = node_id.split(".")
    for i, part in enumerate(parts):
        if OFF_SPINE.match(part):
            return {"group": ".".join(parts[: i + 1])}
    return {}


def cluster_hints(rankdir: str) -> dict[str, str]:
    return {"labeljust": "l", "labelloc": _LABEL_LOC[rankdir]}


def edge_hints(edge: ViewEdge, view: View, rankdir: str) -> dict[str, str]:
    tail, head = view.nodes[edge.tail], view.nodes[edge.head]
    if edge.kind == "flow":
        return {"weight": "8" if tail.spine and head.spine else "1"}
    hints = {"weight": "1"}
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
            for beside, node in zip(spine, path, strict=False):
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


def title_edges(view: View) -> list[tuple[str, str]]:
    """Invisible edges that rank each cluster's title above the cluster's first spine node:
    from the node before it (or the enclosing cluster's title, when both clusters start at
    the same node) to the title, and from the title to that first node."""
    flow_in = {e.head: e.tail for e in view.edges if e.kind == "flow"}
    first: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for cluster in view.clusters:
        node = next((n.id for n in view.nodes.values() if n.spine and cluster in n.clusters), None)
        if node is None:
            continue
        first[cluster] = node
        parents = [c for c in view.clusters if cluster.startswith(c + ".") and first.get(c) == node]
        before = title_id(max(parents, key=len)) if parents else flow_in.get(node)
        if before is not None:
            edges.append((before, title_id(cluster)))
        edges.append((title_id(cluster), node))
    return edges
