"""IR → ``torch.fx.Graph`` → ``GraphModule``: straight-line forward code, modules named by scope.

Imports torch, like the rest of the torch side (``torch_*.py``, ``export*.py``); nothing on the
check and draw path imports them. Each IR node is emitted by its op table entry's torch builder
(see :mod:`jumpdsl.ir.ops`), in the IR's deterministic order, so ``state_dict`` keys read
``learner.group2.block3.conv1.weight`` and come in source order. ReLU then works in place where
that is safe (:mod:`jumpdsl.backends.torch_inplace`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from jumpdsl.backends.torch_inplace import relu_in_place
from jumpdsl.ir.graph import Graph
from jumpdsl.ir.ops import OPS
from jumpdsl.passes.shapes import Shapes

__all__ = ["INITIALISERS", "build_module", "init_weights"]


class _Emitter:
    """Implements :class:`jumpdsl.ir.ops.Emitter` for one IR node at a time."""

    torch = torch
    nn = nn
    F = F

    def __init__(self, root: nn.Module, graph: fx.Graph) -> None:
        self.root = root
        self.graph = graph
        self.node = ""  # the IR node being emitted: module path and fx node name
        self.installed: nn.Module | None = None  # the module the current node registered

    def _name(self) -> str:
        return self.node.replace(".", "_")

    def module(self, module: nn.Module, *inputs: Any) -> fx.Node:
        _install(self.root, self.node, module)
        self.installed = module
        return self.graph.create_node("call_module", self.node, tuple(inputs), {}, self._name())

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> fx.Node:
        return self.graph.create_node("call_function", fn, args, kwargs, self._name())

    def method(self, name: str, *args: Any) -> fx.Node:
        return self.graph.create_node("call_method", name, args, {}, self._name())


def _install(root: nn.Module, path: str, module: nn.Module) -> None:
    """Register ``module`` at a dotted path, creating empty containers on the way."""
    *parents, leaf = path.split(".")
    owner = root
    for part in parents:
        if not hasattr(owner, part):
            owner.add_module(part, nn.Module())
        owner = getattr(owner, part)
    owner.add_module(leaf, module)


# scheme → (initialiser of the weight, its keyword arguments); the bias becomes zeros. One
# table for the backend and for exported source (jumpdsl.backends.export_py writes the same call).
INITIALISERS: dict[str, tuple[Callable[..., Any], dict[str, Any]] | None] = {
    "torch": None,  # keep PyTorch's own initialisation
    "he_normal": (nn.init.kaiming_normal_, {"mode": "fan_in", "nonlinearity": "relu"}),
    "he_uniform": (nn.init.kaiming_uniform_, {"mode": "fan_in", "nonlinearity": "relu"}),
    "glorot_normal": (nn.init.xavier_normal_, {}),
    "glorot_uniform": (nn.init.xavier_uniform_, {}),
}


def init_weights(module: nn.Module, scheme: str) -> None:
    """Initialise a conv or dense module by the scheme named in the spec (bias → zeros)."""
    entry = INITIALISERS[scheme]
    if entry is None:
        return
    initialiser, kwargs = entry
    weight: Any = module.weight
    bias: Any = getattr(module, "bias", None)
    with torch.no_grad():
        initialiser(weight, **kwargs)
        if bias is not None:
            bias.zero_()


def build_module(graph: Graph, *, seed: int | None = None) -> fx.GraphModule:
    """A ``GraphModule`` computing the checked IR ``graph`` (shapes must have been inferred).

    With ``seed``, the weights are the same on every run; the caller's random state is left
    as it was.
    """
    if seed is None:
        return _build(graph)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _build(graph)


def _build(graph: Graph) -> fx.GraphModule:
    root = nn.Module()
    fx_graph = fx.Graph()
    emitter = _Emitter(root, fx_graph)
    values: dict[str, Any] = {}
    for node in graph.order():
        values[node] = _emit(graph, node, emitter, values)
    fx_graph.output(values[graph.output])
    relu_in_place(fx_graph, root)
    return fx.GraphModule(root, fx_graph, class_name=graph.name)


def _emit(graph: Graph, node: str, emitter: _Emitter, values: dict[str, Any]) -> Any:
    """The fx value of one IR node, made by its op table entry; its module initialised."""
    data = graph[node]
    if data.is_input:
        value = emitter.graph.placeholder("x")
    else:
        emitter.node, emitter.installed = node, None
        inputs = [values[p] for p in graph.inputs(node)]
        shapes = graph.get(Shapes, node)
        assert shapes.shape is not None, f"{node}: build only a checked graph"
        attrs = data.attrs
        value = OPS[data.op].torch(emitter, inputs, attrs, list(shapes.in_shapes), shapes.shape)
        scheme = attrs.get("init")
        if scheme is not None and emitter.installed is not None:
            init_weights(emitter.installed, scheme)
    # Which IR node each value belongs to: lets tests hold shape rules against torch.
    value.meta.setdefault("jumpdsl_node", node)
    return value
