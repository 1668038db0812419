"""The IR: a network as typed records, with networkx for the algorithms.

A :class:`Graph` holds one :class:`Node` per layer or merge (written by lowering, through
:class:`jumpdsl.lower.builder.Builder`, the only writer) and one :class:`Edge` per tensor
passed on. Passes add their results as records, one per node: the shape pass writes
:class:`jumpdsl.passes.shapes.Shapes`; a later pass (dtype, FLOPs, a plugin's) declares its own
record the same way (any class with a ``PASS`` name, see :class:`Record`). Reading a record
before its pass has finished raises :class:`PassNotRunError`, which names the pass.

Invariants (checked by :func:`lint`):

- node id = the node's scope path (``learner.group2.block3.conv1``), unique;
- one input node (op ``input``); a layer takes port 0, a merge ports 0..n-1 (n ≥ 2);
- edges go from earlier to later nodes: creation order is a topological order, and
  :meth:`Graph.order` (the order every walk uses) is creation order, so the same spec gives
  the same code, ``state_dict`` and drawing bytes.

:attr:`Graph.nx` is the same network as a ``networkx.DiGraph`` (each node's :class:`Node`
under the ``node`` key, each edge's :class:`Edge` under ``edge``), made when first asked for:
for algorithms (cycles, reachability, orders); read it, never write it.

>>> from jumpdsl.source import Span
>>> g = Graph("T", "t.jnet", (3, 8, 8))
>>> span = Span("t.jnet", 1, 1, 1, 2)
>>> g.add_node(Node("input", "input", {"shape": (3, 8, 8)}, "input", span, (), 0))
>>> g.add_node(Node("task.gap1", "gap", {"keepdims": False}, "task", span, (), 1))
>>> g.add_edge("input", "task.gap1", Edge("flow", 0))
>>> g.output = "task.gap1"
>>> g.order(), g.inputs("task.gap1"), g["task.gap1"].op
(['input', 'task.gap1'], ['input'], 'gap')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, TypeVar

from jumpdsl.ops import CORE
from jumpdsl.ops.core import Shape
from jumpdsl.ops.table import OpTable
from jumpdsl.source import Span

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EDGE_KINDS",
    "INPUT_NODE",
    "INPUT_OP",
    "INPUT_SECTION",
    "MAIN_OUTPUT",
    "SECTIONS",
    "Edge",
    "Graph",
    "IRLintError",
    "NamedOutput",
    "NamedTensor",
    "Node",
    "PassNotRunError",
    "Record",
    "Scope",
    "ScopeArg",
    "lint",
]

# The sections of a network, in the order they must come.
SECTIONS = ("stem", "learner", "task")
EDGE_KINDS = ("flow", "skip", "jump")
INPUT_NODE = "input"
INPUT_SECTION = "input"  # the section of the input node
INPUT_OP = "input"  # the pseudo-op of the input node; its shape comes from `input [...]`
MAIN_OUTPUT = "out"  # the last statement's tensor, when `output NAME` declares others


class Node(NamedTuple):
    """One layer or merge, as lowering made it.

    ``op`` names an entry of the graph's op table, ``Graph.ops`` (or is ``input``); ``attrs`` are
    its attributes with defaults filled and values checked; ``section`` is ``input``, ``stem``,
    ``learner`` or ``task``; ``span`` the statement that made it; ``trace`` the template calls
    that led here, outermost first; ``order`` its creation order.
    """

    id: str
    op: str
    attrs: Mapping[str, Any]
    section: str
    span: Span | None
    trace: tuple[Span, ...]
    order: int
    label: str | None = None  # the spec's own words for it in figures: ``conv(…) "stem conv"``

    @property
    def is_input(self) -> bool:
        return self.op == INPUT_OP


class Edge(NamedTuple):
    """A tensor passed on: ``kind`` is flow, skip or jump; ``port`` the input's position at its
    consumer (a shortcut is port 0, so ``concat`` puts its channels first)."""

    kind: str
    port: int


class ScopeArg(NamedTuple):
    """One parameter of a template instance: its value as .jnet writes it, whether that is the
    parameter's default value (given or not), and whether it was passed on unchanged from a
    parameter of the enclosing template (``unit(f, stride)`` in ``ResNetStage(unit, f, …)``):
    figures leave out both, the enclosing instance's title already says the second."""

    name: str
    value: str
    default: bool
    inherited: bool


@dataclass(frozen=True)
class Scope:
    """A template instance: ``kind`` block or group, the template's name, the call as written
    with its values (``JumpGroup(32, 3)``), where it was called, and every parameter's value
    in this instance (given or default), in declaration order; ``args`` the same parameters as
    figures name them (value as written, default or not, passed on or not); ``label`` the spec's
    own words for it (the call's label, else the template's), if any."""

    kind: str
    template: str
    call: str
    span: Span
    values: tuple[tuple[str, Any], ...] = ()
    args: tuple[ScopeArg, ...] = ()
    label: str | None = None


class NamedTensor(NamedTuple):
    """A tensor named with ``as NAME``: the node whose output it is, the scope it was named in
    (a template instance's path, or a section) and the statement."""

    name: str
    node: str
    scope: str
    span: Span


class NamedOutput(NamedTuple):
    """An ``output NAME`` beside the main one: the node whose tensor it is, the statement."""

    name: str
    node: str
    span: Span | None


class Record(Protocol):
    """What a pass's per-node result is: any immutable class (a frozen dataclass, or a
    NamedTuple's subclass) with a class variable ``PASS`` naming the pass that writes it."""

    PASS: ClassVar[str]


R = TypeVar("R", bound=Record)


class PassNotRunError(LookupError):
    """A pass's records were read before the pass ran on this graph."""


class IRLintError(Exception):
    """The graph breaks an IR invariant; the message says which node and how to fix it."""


class Graph:
    """A lowered network; see the module's doc for the invariants."""

    def __init__(
        self, name: str, source: str, input_shape: Shape, ops: OpTable | None = None
    ) -> None:
        self.name = name
        self.ops = CORE if ops is None else ops  # the op table it was lowered with
        self.source = source  # path of the spec, as diagnostics show it
        self.input_shape = input_shape
        self.input = INPUT_NODE
        self.output = INPUT_NODE
        self.params: dict[str, Any] = {}  # the network parameters' values
        self.scopes: dict[str, Scope] = {}  # template instance path → its call
        self.tensors: list[NamedTensor] = []  # every `as NAME`, in the order lowering ran them
        self.extra_outputs: list[NamedOutput] = []  # every `output NAME`, in declaration order
        self._nodes: dict[str, Node] = {}  # in creation order
        self._edges: dict[tuple[str, str], Edge] = {}
        self._inputs: dict[str, list[str]] = {}  # in port order
        self._users: dict[str, list[str]] = {}  # in the order the edges were made
        self._records: dict[type, dict[str, Any]] = {}
        self._finished: set[type] = set()
        self._order: list[str] | None = None
        self._nx: nx.DiGraph | None = None
        self._created: list[str] = []

    # ------------------------------------------------------------ writing (the builder)

    def add_node(self, node: Node) -> None:
        if node.id not in self._nodes:
            self._created.append(node.id)
        self._nodes[node.id] = node
        self._inputs.setdefault(node.id, [])
        self._users.setdefault(node.id, [])
        self._order = self._nx = None

    def add_edge(self, source: str, target: str, edge: Edge) -> None:
        """One edge per pair of nodes (a second replaces the first)."""
        if (source, target) not in self._edges:
            self._users[source].append(target)
            self._inputs[target].append(source)
        self._edges[source, target] = edge
        if edge.port != len(self._inputs[target]) - 1:  # made out of port order
            self._inputs[target].sort(key=lambda p: self._edges[p, target].port)
        self._order = self._nx = None

    def add_scope(self, path: str, scope: Scope) -> None:
        self.scopes[path] = scope

    def add_tensor(self, tensor: NamedTensor) -> None:
        self.tensors.append(tensor)

    def add_output(self, output: NamedOutput) -> None:
        self.extra_outputs.append(output)

    # ------------------------------------------------------------ reading

    def __getitem__(self, node: str) -> Node:
        return self._nodes[node]

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[str]:
        return iter(self.order())

    def outputs(self) -> dict[str, str]:
        """Output name → node: the main output (``graph.output``) under ``out`` first, then
        each ``output NAME`` in declaration order. One entry when the spec declares none."""
        return {MAIN_OUTPUT: self.output, **{o.name: o.node for o in self.extra_outputs}}

    @property
    def multi_output(self) -> bool:
        """Whether the spec declares outputs beside the main one (the module returns a dict)."""
        return bool(self.extra_outputs)

    def nodes(self) -> Iterator[Node]:
        """Every node record, in :meth:`order`."""
        return (self._nodes[n] for n in self.order())

    def order(self) -> list[str]:
        """Node ids in a topological order that follows the source: same spec, same order."""
        if self._order is None:
            self._order = self._topo_order()
        return list(self._order)

    def created(self, start: int = 0) -> list[str]:
        """Node ids in creation order, from the ``start``-th on."""
        return self._created[start:]

    def inputs(self, node: str) -> list[str]:
        """The node's inputs in port order."""
        return list(self._inputs[node])

    def users(self, node: str) -> list[str]:
        """The nodes that read ``node``'s output, in creation order."""
        users = self._users[node]
        if len(users) < 2:
            return list(users)
        return sorted(users, key=lambda n: self._nodes[n].order)

    def edge(self, source: str, target: str) -> Edge:
        return self._edges[source, target]

    def edges(self) -> Iterator[tuple[str, str, Edge]]:
        for (source, target), edge in self._edges.items():
            yield source, target, edge

    @property
    def nx(self) -> nx.DiGraph:
        """The network as a ``networkx.DiGraph``, for algorithms (made once, then kept)."""
        if self._nx is None:
            import networkx as nx  # a tenth of `jumpdsl check`'s time; most runs never need it

            graph = nx.DiGraph()
            graph.add_nodes_from((n, {"node": node}) for n, node in self._nodes.items())
            graph.add_edges_from((u, v, {"edge": e}) for (u, v), e in self._edges.items())
            self._nx = graph
        return self._nx

    def _topo_order(self) -> list[str]:
        # The builder makes inputs before their consumers; then creation order is the order,
        # found 100× faster than a sort (a 10,000-layer spec spent 0.1 s here).
        nodes = self._nodes
        if all(nodes[u].order < nodes[v].order for u, v in self._edges):
            return sorted(nodes, key=lambda n: nodes[n].order)
        import networkx as nx

        return list(nx.lexicographical_topological_sort(self.nx, key=lambda n: nodes[n].order))

    # ------------------------------------------------------------ pass records

    def put(self, node: str, record: Record) -> None:
        """Store a pass's record for a node (the pass itself, while it runs)."""
        self.records(type(record))[node] = record

    def records(self, kind: type[R]) -> dict[str, R]:
        """Every ``kind`` record written so far, finished or not: for the pass that writes
        them, which may fill the dict directly."""
        return self._records.setdefault(kind, {})

    def peek(self, kind: type[R], node: str) -> R | None:
        """A record written so far, finished pass or not (for the pass that writes it)."""
        return self.records(kind).get(node)

    def finish(self, kind: type[Record]) -> None:
        """Declare the pass writing ``kind`` done: its records can be read."""
        self._finished.add(kind)

    def has(self, kind: type[Record]) -> bool:
        return kind in self._finished

    def get(self, kind: type[R], node: str) -> R:
        """The record ``kind`` of ``node``; :class:`PassNotRunError` if its pass has not run."""
        if kind not in self._finished:
            raise PassNotRunError(
                f"{kind.__name__} records are read before {kind.PASS} ran on graph "
                f"'{self.name}': run it first, or check the spec with jumpdsl.api.check_file "
                "or check_text, which run every pass"
            )
        return self._records[kind][node]  # type: ignore[no-any-return]


def lint(graph: Graph) -> None:
    """Check the invariants every stage relies on; raise :class:`IRLintError` if one fails.

    >>> g = Graph("T", "t.jnet", (3, 8, 8))
    >>> g.add_node(Node("input", "input", {"shape": (3, 8, 8)}, "input", None, (), 0))
    >>> lint(g)
    """
    for label, end in (("input", graph.input), ("output", graph.output)):
        if end not in graph:
            raise IRLintError(
                f"graph.{label} must name a node; set it to the id of the {label} node"
            )
    names = [MAIN_OUTPUT]
    for output in graph.extra_outputs:
        if output.node not in graph or output.name in names:
            raise IRLintError(
                f"output '{output.name}' must name a node and have a name of its own (not "
                f"{', '.join(names)}); fix graph.extra_outputs"
            )
        names.append(output.name)
    for source, target, edge in graph.edges():
        if edge.kind not in EDGE_KINDS:
            raise IRLintError(
                f"edge {source} -> {target} has kind {edge.kind!r}; use one of {EDGE_KINDS}"
            )
    for node in graph.created():  # not order(): that needs the graph acyclic
        _lint_ports(graph, graph[node])
    import networkx as nx

    if not nx.is_directed_acyclic_graph(graph.nx):
        cycle = nx.find_cycle(graph.nx)
        raise IRLintError(f"the graph has a cycle through {cycle[0][0]}; tensors must flow forward")


def _lint_ports(graph: Graph, node: Node) -> None:
    op, ops = node.op, graph.ops
    if op != INPUT_OP and op not in ops:
        raise IRLintError(
            f"node '{node.id}' has unknown op '{op}'; add it to the graph's op table (graph.ops)"
        )
    ports = sorted(graph.edge(source, node.id).port for source in graph.inputs(node.id))
    merge = op in ops and ops[op].merge
    expected = 0 if op == INPUT_OP else (len(ports) if merge else 1)
    if ports != list(range(expected)) or (merge and expected < 2):
        raise IRLintError(
            f"node '{node.id}' ({op}) has input ports {ports}; a layer takes port 0 only, a "
            f"merge ports 0..n-1 with n >= 2, the input node none"
        )
