"""The flat ``GraphModule`` split by scope into nested ``GraphModule``\\ s: the module hierarchy.

:func:`jumpdsl.backends.torch_fx.build` makes one flat fx graph whose modules sit at scope
paths (``learner.group1.block2.conv1``). :func:`nest` cuts that graph along the same paths: each
section (``stem``, ``learner``, ``task``), template instance (``group1``: ``JumpGroup``,
``block2``: ``JumpBottleneck``) and inline path (``skip1``, ``jump1``) becomes a ``GraphModule``
of its own, with a class named after its template, whose ``forward`` calls its children. The
values that cross a boundary (a block's input, a skip or jump edge leaving a group) become the
child's inputs and outputs, so the function is the flat one, op for op, in the same order.

Modules are registered in the order their forward first uses them, as the flat module does, so
``state_dict`` keys and their order do not change. A scope whose nodes are not one contiguous
run of the flat graph (it could not be called at one place) stays inline in its parent.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator, Sequence

from torch import fx, nn

from jumpdsl.ir.graph import Graph

__all__ = ["SCOPE", "Part", "class_name", "nest", "template_classes"]

# fx node meta key: the IR node whose emission made it (every fx node, not only the value).
SCOPE = "jumpdsl_scope"

Run = tuple[str | None, list[fx.Node]]  # a child's name (None: the level's own) and its nodes


class Part(fx.GraphModule):
    """A module of the tree. Every instance of one template is an instance of one subclass
    (``template_classes``), so tools that select modules by class (FSDP's
    ``ModuleWrapPolicy``) find all of them; its name survives ``copy.deepcopy``."""

    template = "Part"

    def _get_name(self) -> str:
        return self.template


def template_classes(module: nn.Module) -> dict[str, type[Part]]:
    """The class of each template (and section) in a module :func:`nest` made, by name:
    ``template_classes(model)["JumpBottleneck"]`` is the class of every such block."""
    found: dict[str, type[Part]] = {}
    for part in module.modules():
        if isinstance(part, Part):
            cls = next(c for c in type(part).__mro__ if "template" in vars(c))
            found.setdefault(part.template, cls)
    return found


def nest(flat: fx.GraphModule, graph: Graph) -> fx.GraphModule:
    """A module computing what ``flat`` (built from ``graph``) computes, as a module tree."""
    nodes = [n for n in flat.graph.nodes if n.op not in ("placeholder", "output")]
    inputs = [n for n in flat.graph.nodes if n.op == "placeholder"]
    (output,) = (n for n in flat.graph.nodes if n.op == "output")
    result = output.args[0]
    if isinstance(result, dict):  # `output NAME` statements: {"out": …, NAME: …}
        names, results = list(result), list(result.values())
        return _Nester(flat, graph).module((), nodes, inputs, results, graph.name, names)
    assert isinstance(result, fx.Node), "a network returns a tensor or a dict of them"
    return _Nester(flat, graph).module((), nodes, inputs, [result], graph.name)


def class_name(graph: Graph, path: str) -> str:
    """The class of the module at ``path``: its template's name, else its own name in words
    (``stem`` → ``Stem``, ``skip1`` → ``Skip``)."""
    scope = graph.scopes.get(path)
    if scope is not None:
        return scope.template
    leaf = re.sub(r"\d+$", "", path.rpartition(".")[2]) or "Part"
    return leaf[0].upper() + leaf[1:]


def _path(node: fx.Node) -> tuple[str, ...]:
    """The module path ``node`` belongs in: its IR node's path less the node's own name."""
    ir_node = str(node.meta.get(SCOPE, ""))
    return tuple(ir_node.split(".")[:-1])


def _runs(nodes: Sequence[fx.Node], depth: int) -> Iterator[Run]:
    """``nodes`` in order, in runs of one child (its name) or of the level's own (None)."""
    part: str | None = None
    run: list[fx.Node] = []
    for node in nodes:
        path = _path(node)
        here = path[depth] if len(path) > depth else None
        if run and here != part:
            yield part, run
            run = []
        part = here
        run.append(node)
    if run:
        yield part, run


def _contiguous(runs: list[Run]) -> list[Run]:
    """The runs, with a child that comes in more than one run made the level's own."""
    seen: dict[str | None, int] = {}
    for part, _ in runs:
        seen[part] = seen.get(part, 0) + 1
    return [(part if seen[part] == 1 else None, run) for part, run in runs]


class _Nester:
    def __init__(self, flat: fx.GraphModule, graph: Graph) -> None:
        self.flat = flat
        self.graph = graph
        self.classes: dict[str, type[Part]] = {}  # one per name in this module tree

    def _class(self, name: str) -> type[Part]:
        if name not in self.classes:
            self.classes[name] = type(name, (Part,), {"template": name, "__module__": __name__})
        return self.classes[name]

    def module(
        self,
        prefix: tuple[str, ...],
        nodes: Sequence[fx.Node],
        inputs: Sequence[fx.Node],
        outputs: Sequence[fx.Node],
        name: str,
        names: Sequence[str] | None = None,
    ) -> fx.GraphModule:
        """The module of the scope at ``prefix``: ``nodes`` (the flat graph's, in order)
        computed from ``inputs``, returning ``outputs`` (a dict by ``names``, when given)."""
        code = fx.Graph()
        holder = nn.Module()  # what the code refers to, registered in the order it is used
        env: dict[fx.Node, fx.Node] = {}
        for value in inputs:
            env[value] = code.placeholder(_local(value.name, prefix))
        for part, run in _contiguous(list(_runs(nodes, len(prefix)))):
            if part is None:
                for node in run:
                    env[node] = self._copy(code, holder, node, env, prefix)
            else:
                self._child(code, holder, (*prefix, part), run, env)
        results = [env[v] for v in outputs]
        if names is not None:
            code.output(dict(zip(names, results, strict=True)))
        else:
            code.output(results[0] if len(results) == 1 else tuple(results))
        return self._class(name)(holder, code, class_name=name)

    def _copy(
        self,
        code: fx.Graph,
        holder: nn.Module,
        node: fx.Node,
        env: dict[fx.Node, fx.Node],
        prefix: tuple[str, ...],
    ) -> fx.Node:
        target = node.target
        if node.op in ("call_module", "get_attr"):
            assert isinstance(target, str)
            target = ".".join(target.split(".")[len(prefix) :])
            owner = target.split(".")[0]
            if not hasattr(holder, owner):
                holder.add_module(owner, self.flat.get_submodule(".".join((*prefix, owner))))
        args = fx.map_arg(node.args, lambda a: env[a])
        kwargs = fx.map_arg(node.kwargs, lambda a: env[a])
        copied = code.create_node(node.op, target, args, kwargs, _local(node.name, prefix))  # type: ignore[arg-type]
        copied.meta = dict(node.meta)
        return copied

    def _child(
        self,
        code: fx.Graph,
        holder: nn.Module,
        path: tuple[str, ...],
        run: list[fx.Node],
        env: dict[fx.Node, fx.Node],
    ) -> None:
        """Call the child at ``path`` computing ``run``; its results go in ``env``."""
        inside = set(run)
        inputs: dict[fx.Node, None] = {}  # in order of first use
        for node in run:
            for value in node.all_input_nodes:
                if value not in inside:
                    inputs[value] = None
        # read outside: by a later node of any level, or the flat graph's output (the result)
        outputs = [n for n in run if any(u not in inside for u in n.users)]
        name = class_name(self.graph, ".".join(path))
        child = self.module(path, run, list(inputs), outputs, name)
        holder.add_module(path[-1], child)
        call = code.call_module(path[-1], tuple(env[v] for v in inputs))
        if len(outputs) == 1:
            env[outputs[0]] = call
            return
        for i, value in enumerate(outputs):
            env[value] = code.call_function(operator.getitem, (call, i))


def _local(name: str, prefix: tuple[str, ...]) -> str:
    """An fx value's name inside the module at ``prefix`` (``learner_group1_block1_conv1`` in
    ``learner.group1`` reads ``block1_conv1``)."""
    start = "_".join(prefix) + "_"
    return name[len(start) :] if prefix and name.startswith(start) else name
