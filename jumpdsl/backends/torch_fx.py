"""IR → ``torch.fx.Graph`` → ``GraphModule``: straight-line forward code, modules named by scope.

Imports torch, like the rest of the torch side (``torch_*.py``, ``export*.py``); nothing on the
check and draw path imports them. Each IR node is emitted by its entry in the graph's op table
(``graph.ops``, see :mod:`jumpdsl.ops.core`), in the IR's deterministic order: its modules and
tensors are installed at the node's path, so ``state_dict`` keys read
``learner.group2.block3.conv1.weight`` and come in source order. The entry's ``inits`` are
applied after its builder; ops that can work in place do where that is safe
(:mod:`jumpdsl.backends.torch_inplace`). What each node made is kept in a :class:`BuildLog`,
from which the standalone export writes the same construction.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from jumpdsl.backends.torch_inplace import work_in_place
from jumpdsl.backends.torch_nest import SCOPE, nest
from jumpdsl.ir.graph import Graph
from jumpdsl.ir.values import Init
from jumpdsl.ops.core import OpFailed
from jumpdsl.ops.init import tensor_inits, torch_call
from jumpdsl.ops.table import OpTable
from jumpdsl.passes.shapes import Shapes

__all__ = [
    "BuildError",
    "BuildLog",
    "Built",
    "Made",
    "Tensor",
    "apply_init",
    "build",
    "build_module",
    "forward_result",
    "import_object",
    "in_place",
]


class BuildError(Exception):
    """A builder did something the backend cannot keep (two modules on one node, a class that
    cannot be imported by its name); the message says what."""


@dataclass(frozen=True)
class Made:
    """A module built by ``em.make``: the import path of its class and the arguments."""

    path: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Tensor:
    """A parameter or buffer a builder gave its node (``em.parameter``, ``em.buffer``)."""

    node: str
    name: str
    kind: str  # "parameter" or "buffer"
    shape: tuple[int, ...]
    persistent: bool = True


@dataclass
class BuildLog:
    """What each node made, in build order (the order random weights are drawn in): modules
    (``node → module``), tensors of its own, and the initialisations applied."""

    modules: dict[str, nn.Module] = field(default_factory=dict)
    made: dict[int, Made] = field(default_factory=dict)  # id(module) → how it was made
    tensors: dict[str, list[Tensor]] = field(default_factory=dict)
    inits: dict[str, list[tuple[str, Init]]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # IR node → its fx node's name


@dataclass(frozen=True)
class Built:
    module: fx.GraphModule
    log: BuildLog


def import_object(path: str) -> Any:
    """The object at ``"package.module:Name"`` (or ``"package.module.Name"``)."""
    module_name, sep, name = path.partition(":")
    if not sep:
        module_name, _, name = path.rpartition(".")
    if not module_name or not name:
        raise BuildError(f"'{path}' is not an import path such as 'package.module:Class'")
    try:
        target: Any = importlib.import_module(module_name)
        for part in name.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise BuildError(f"cannot import '{path}': {exc}") from None
    return target


class _Emitter:
    """Implements :class:`jumpdsl.ops.core.Emitter` for one IR node at a time."""

    torch = torch
    nn = nn
    F = F

    def __init__(self, root: nn.Module, graph: fx.Graph, log: BuildLog) -> None:
        self.root = root
        self.graph = graph
        self.log = log
        self.node = ""  # the IR node being emitted: module path and fx node name

    def _name(self) -> str:
        return self.node.replace(".", "_")

    def module(self, module: nn.Module, *inputs: Any) -> fx.Node:
        if self.node in self.log.modules or self.node in self.log.tensors:
            raise BuildError(
                f"{self.node}: a node holds one module, or tensors of its own; "
                "give the module sub-modules instead"
            )
        _install(self.root, self.node, module)
        self.log.modules[self.node] = module
        return self.graph.create_node("call_module", self.node, tuple(inputs), {}, self._name())

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> fx.Node:
        return self.graph.create_node("call_function", fn, args, kwargs, self._name())

    def method(self, name: str, *args: Any) -> fx.Node:
        return self.graph.create_node("call_method", name, args, {}, self._name())

    def _own(self, tensor: Tensor, value: torch.Tensor) -> fx.Node:
        if self.node in self.log.modules:
            raise BuildError(f"{self.node}: a node holds one module, or tensors of its own")
        if self.node not in self.log.tensors:
            _install(self.root, self.node, nn.Module())
            self.log.tensors[self.node] = []
        owner = self.root.get_submodule(self.node)
        if tensor.kind == "parameter":
            owner.register_parameter(tensor.name, nn.Parameter(value))
        else:
            owner.register_buffer(tensor.name, value, persistent=tensor.persistent)
        self.log.tensors[self.node].append(tensor)
        return self.graph.get_attr(f"{self.node}.{tensor.name}")

    # A node's own tensors start at zero (the same in the export); its entry's inits set them.
    def parameter(self, name: str, shape: tuple[int, ...]) -> fx.Node:
        shape = tuple(shape)
        return self._own(Tensor(self.node, name, "parameter", shape), torch.zeros(shape))

    def buffer(self, name: str, shape: tuple[int, ...], *, persistent: bool = True) -> fx.Node:
        shape = tuple(shape)
        tensor = Tensor(self.node, name, "buffer", shape, persistent)
        return self._own(tensor, torch.zeros(shape))

    def make(self, path: str, *args: Any, **kwargs: Any) -> nn.Module:
        cls = import_object(path)
        module = cls(*args, **kwargs)
        if not isinstance(module, nn.Module):
            raise BuildError(f"'{path}' made a {type(module).__name__}, not a torch.nn.Module")
        self.log.made[id(module)] = Made(path, args, dict(kwargs))
        return module


def _install(root: nn.Module, path: str, module: nn.Module) -> None:
    """Register ``module`` at a dotted path, creating empty containers on the way."""
    *parents, leaf = path.split(".")
    owner = root
    for part in parents:
        if not hasattr(owner, part):
            owner.add_module(part, nn.Module())
        owner = getattr(owner, part)
    owner.add_module(leaf, module)


def apply_init(tensor: torch.Tensor, init: Init) -> None:
    """Initialise ``tensor`` by a checked scheme (:mod:`jumpdsl.ops.init`); ``torch`` keeps it."""
    call = torch_call(init)
    if call is None:
        return
    name, kwargs = call
    with torch.no_grad():
        getattr(nn.init, name)(tensor, **kwargs)


def build_module(
    graph: Graph, *, seed: int | None = None, hierarchy: bool = False
) -> fx.GraphModule:
    """A ``GraphModule`` computing the checked IR ``graph`` (shapes must have been inferred).

    With ``seed``, the weights are the same on every run; the caller's random state is left
    as it was. With ``hierarchy``, each section and template instance is a submodule with its
    own forward, its class named after its template (:mod:`jumpdsl.backends.torch_nest`);
    otherwise one flat forward, which the graph rewrites (the inference form) work on. The
    ``state_dict`` is the same either way.
    """
    built = build(graph, seed=seed, hierarchy=hierarchy)
    if not hierarchy:
        return built.module
    module = nest(built.module, graph)
    _keep_buffers_out_of_state(module, built.log)
    return module


def build(graph: Graph, *, seed: int | None = None, hierarchy: bool = False) -> Built:
    """The flat module and the log of what each node made (for
    :mod:`jumpdsl.backends.export_py`); ``hierarchy``: in place only where it stays so once
    the module is nested (see :func:`in_place`)."""
    if seed is None:
        return _build(graph, hierarchy)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _build(graph, hierarchy)


def _build(graph: Graph, hierarchy: bool) -> Built:
    root = nn.Module()
    fx_graph = fx.Graph()
    log = BuildLog()
    emitter = _Emitter(root, fx_graph, log)
    values: dict[str, Any] = {}
    for node in graph.order():
        values[node] = _emit(graph, node, emitter, values)
        log.outputs[node] = values[node].name
        _mark_scope(fx_graph, node)
    fx_graph.output(forward_result(graph, values))
    in_place(graph, fx_graph, within_modules=hierarchy)
    module = fx.GraphModule(root, fx_graph, class_name=graph.name)
    _keep_buffers_out_of_state(module, log)
    return Built(module, log)


def forward_result(graph: Graph, values: dict[str, Any]) -> Any:
    """What forward returns: the main output's value, or with ``output NAME`` statements a
    dict {"out": main, NAME: …} in declaration order (as torchvision's segmentation models)."""
    if not graph.multi_output:
        return values[graph.output]
    return {name: values[node] for name, node in graph.outputs().items()}


def _mark_scope(fx_graph: fx.Graph, node: str) -> None:
    """Tag the fx nodes the IR node ``node`` just made (all of them, not only its value) with
    it, so that :func:`~jumpdsl.backends.torch_nest.nest` knows which module each goes in."""
    for made in reversed(fx_graph.nodes):
        if SCOPE in made.meta:
            break
        made.meta[SCOPE] = node


def in_place(graph: Graph, fx_graph: fx.Graph, *, within_modules: bool = False) -> int:
    """Ops in place where the op table allows it (see :mod:`jumpdsl.backends.torch_inplace`),
    in an fx graph built from ``graph``; how many were turned. ``within_modules``: never on a
    value made outside the op's own module (its scope), so that no submodule writes over its
    input, which the parent may hold and activation checkpointing runs the module on again."""
    return work_in_place(fx_graph, _fresh(graph), _in_place(graph.ops), within_modules)


def _keep_buffers_out_of_state(module: fx.GraphModule, log: BuildLog) -> None:
    """GraphModule copies the tensors its code reads as plain buffers: a buffer its builder
    asked to keep out of ``state_dict`` is registered so again."""
    for tensors in log.tensors.values():
        for tensor in tensors:
            if tensor.kind == "buffer" and not tensor.persistent:
                owner = module.get_submodule(tensor.node)
                owner.register_buffer(tensor.name, getattr(owner, tensor.name), persistent=False)


def _fresh(graph: Graph) -> set[str]:
    """The nodes whose output an in-place op may overwrite (their entry says so)."""
    return {n.id for n in graph.nodes() if not n.is_input and graph.ops[n.op].fresh}


def _in_place(ops: OpTable) -> dict[str, Callable[..., Any]]:
    """node op → the torch function doing it in place, for the ops whose entry names one."""
    return {name: getattr(torch, op.in_place) for name, op in ops.items() if op.in_place}


def _emit(graph: Graph, node: str, emitter: _Emitter, values: dict[str, Any]) -> Any:
    """The fx value of one IR node, made by its op table entry; its tensors initialised."""
    data = graph[node]
    if data.is_input:
        value = emitter.graph.placeholder("x")
    else:
        emitter.node = node
        inputs = [values[p] for p in graph.inputs(node)]
        shapes = graph.get(Shapes, node)
        assert shapes.shape is not None, f"{node}: build only a checked graph"
        op = graph.ops[data.op]
        try:
            value = op.build(emitter, inputs, data.attrs, list(shapes.in_shapes), shapes.shape)
        except OpFailed as exc:  # a plugin's builder: its diagnostic points at the statement
            exc.span = data.span
            raise
        _initialise(emitter, node, tensor_inits(op.inits, data.attrs))
    # Which IR node (and op) each value belongs to: for in-place work and for the tests.
    value.meta.setdefault("jumpdsl_node", node)
    value.meta.setdefault("jumpdsl_op", data.op)
    return value


def _initialise(emitter: _Emitter, node: str, inits: list[tuple[str, Init]]) -> None:
    if not inits or not (node in emitter.log.modules or node in emitter.log.tensors):
        return
    owner = emitter.root.get_submodule(node)
    done = []
    for name, init in inits:
        tensor = getattr(owner, name, None)
        if isinstance(tensor, torch.Tensor):  # absent: a conv without bias
            apply_init(tensor, init)
            done.append((name, init))
    emitter.log.inits[node] = done
