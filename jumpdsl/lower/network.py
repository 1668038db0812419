"""Lowering a file's network: its parameters, defaults, input and sections, in that order.

The file's templates (and those of the files it uses) are collected first; then the network's
parameters are bound, its ``let`` values and ``defaults`` read, the input node made, and each
section visited in turn. Warnings for what was never used come last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jumpdsl import messages as M
from jumpdsl.diagnostics import Aborted, DiagnosticSink, Label, Reported
from jumpdsl.ir.evaluate import evaluate
from jumpdsl.ir.graph import INPUT_NODE, INPUT_OP, INPUT_SECTION, SECTIONS, Graph
from jumpdsl.ir.values import Function, Unset, Value, show_value
from jumpdsl.lower.binding import bind_network
from jumpdsl.lower.builder import Builder, Limits
from jumpdsl.lower.defaults import OpDefaults, read_defaults
from jumpdsl.lower.templates import Templates
from jumpdsl.lower.visitor import (
    Frame,
    Visitor,
    define_function,
    mark_later_lets,
    read_let,
    tensor_family,
)
from jumpdsl.ops import CORE
from jumpdsl.ops.table import OpTable
from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = ["lower"]


def lower(
    module: ast.Module,
    sink: DiagnosticSink,
    *,
    overrides: Mapping[str, tuple[Value, Span | None]] | None = None,
    limits: Limits | None = None,
    library: Sequence[ast.Module] = (),
    ops: OpTable = CORE,
    namespaces: Mapping[int, tuple[str | None, ...]] | None = None,
    uses: Mapping[int, tuple[tuple[int, str | None], ...]] | None = None,
) -> Graph | None:
    """Lower the file's network to the IR; None when there is no network or lowering stopped.

    ``ops`` is the op table the spec may call (recorded as ``graph.ops``). ``overrides`` maps
    parameter names to (value, span of where it was set, or None).
    ``library`` holds the files brought in by ``use``: their templates (each seeing its own
    file's ``let`` values) and functions can be called here. ``namespaces`` (by ``id`` of a
    library module) names the namespaces each was used as: None for a plain ``use``, whose
    templates and functions keep their names; ``ns`` for ``use … as ns``, whose templates,
    functions and lets read ``ns.Name``. ``uses`` (by ``id`` of a library module) lists the
    library modules each one uses itself, and as what: their functions (and with a namespace
    their lets) are that file's to call too.

    >>> from jumpdsl.source import SourceFile
    >>> from jumpdsl.syntax.parser import parse
    >>> sink = DiagnosticSink()
    >>> m = parse(SourceFile("t.jnet", "network T { input [3, 8, 8] task { gap dense(2) } }"), sink)
    >>> lower(m, sink).order()
    ['input', 'task.gap1', 'task.dense1']
    """
    networks = [i for i in module.items if isinstance(i, ast.Network)]
    for extra in networks[1:]:
        first = Label(networks[0].name_span, M.NOTE_FIRST_NETWORK)
        if extra.name == networks[0].name:
            sink.report(M.DUPLICATE_NETWORK, extra.name_span, labels=(first,), name=extra.name)
        else:
            sink.report(
                M.SECOND_NETWORK,
                extra.name_span,
                labels=(first,),
                name=extra.name,
                first=networks[0].name,
            )
    templates = Templates(ops)
    imported: dict[str, Value] = {}
    envs = _LibraryEnvs(library, uses or {}, sink)
    for used in library:
        used_env = envs.of(used)
        for alias in (namespaces or {}).get(id(used), (None,)):
            prefix = "" if alias is None else f"{alias}."
            templates.collect(_templates_of(used.items), used_env, sink, prefix)
            imported.update(_exported(used, used_env, prefix))
    file_env = _file_env(module, sink, imported)
    templates.collect(_templates_of(module.items), file_env, sink)
    if not networks:
        return None
    network = networks[0]
    try:
        graph = _lower_network(
            network, module, file_env, overrides or {}, templates, sink, limits or Limits()
        )
    except Aborted:
        return None
    if graph is not None:
        local = _templates_of(network.items) + _templates_of(module.items)
        templates.warn_unused(local, sink)
    return graph


def _templates_of(items: Sequence[object]) -> list[ast.Template]:
    return [i for i in items if isinstance(i, ast.Template)]


class _LibraryEnvs:
    """Each used file's values, made once: its lets and functions, seeing the functions (and
    namespaced lets) of the files it uses itself, those made first."""

    def __init__(
        self,
        library: Sequence[ast.Module],
        uses: Mapping[int, tuple[tuple[int, str | None], ...]],
        sink: DiagnosticSink,
    ) -> None:
        self.modules = {id(m): m for m in library}
        self.uses, self.sink = uses, sink
        self.envs: dict[int, dict[str, Value]] = {}

    def of(self, module: ast.Module) -> dict[str, Value]:
        env = self.envs.get(id(module))
        if env is None:
            imported: dict[str, Value] = {}
            for used_id, alias in self.uses.get(id(module), ()):
                used = self.modules.get(used_id)
                if used is not None:  # the use files form no cycle: the loader refused those
                    prefix = "" if alias is None else f"{alias}."
                    imported.update(_exported(used, self.of(used), prefix))
            env = self.envs[id(module)] = _file_env(module, self.sink, imported)
        return env


def _exported(module: ast.Module, env: Mapping[str, Value], prefix: str) -> dict[str, Value]:
    """What a used file gives the file using it besides templates: its functions, and with a
    namespace its lets too, each named ``prefix + name``."""
    return {
        prefix + k: v
        for k, v in env.items()
        if not isinstance(v, Unset) and (prefix or isinstance(v, Function))
    }


def _file_env(
    module: ast.Module, sink: DiagnosticSink, imported: Mapping[str, Value] | None = None
) -> dict[str, Value]:
    env: dict[str, Value] = dict(imported or {})
    mark_later_lets(module.items, env)
    for item in module.items:
        if isinstance(item, ast.Let):
            read_let(item, env, sink)
        elif isinstance(item, ast.Function):
            define_function(item, env, sink)
    return env


def _marks(module: ast.Module) -> dict[str, Span]:
    """Where each tensor name is first made with ``as NAME`` anywhere in the file."""
    found: dict[str, Span] = {}
    for node in ast.statements(module):
        if isinstance(node, ast.Mark):
            found.setdefault(node.name, node.span)
    return found


def _lower_network(
    network: ast.Network,
    module: ast.Module,
    file_env: dict[str, Value],
    overrides: Mapping[str, tuple[Value, Span | None]],
    templates: Templates,
    sink: DiagnosticSink,
    limits: Limits,
) -> Graph | None:
    env = bind_network(network, file_env, overrides, sink)
    if env is None:
        return None
    defaults: OpDefaults = {}
    mark_later_lets(network.items, env)
    seen: dict[int, dict[str, Value]] = {}  # each input and section: the values above it
    for item in network.items:
        if isinstance(item, ast.Let):
            read_let(item, env, sink)
        elif isinstance(item, ast.Function):
            define_function(item, env, sink)
        elif isinstance(item, ast.Defaults):
            read_defaults(item, env, templates.ops, defaults, sink)
        elif isinstance(item, (ast.InputDecl, ast.Section)):
            seen[id(item)] = dict(env)
    templates.collect(_templates_of(network.items), env, sink)
    decl = _the_input(network, sink)
    shape = _input_shape(network, decl, seen[id(decl)] if decl else env, sink)
    if shape is None:
        return None
    graph = Graph(network.name, network.span.path, shape, templates.ops)
    graph.params = {k: v for k, v in env.items() if not isinstance(v, (Unset, Function))}
    builder = Builder(graph, sink, limits)
    builder.add_node(
        INPUT_NODE,
        INPUT_OP,
        {"shape": shape},
        INPUT_SECTION,
        decl.span if decl else network.name_span,
        (),
    )
    visitor = Visitor(builder, templates, defaults, _marks(module))
    sections = [i for i in network.items if isinstance(i, ast.Section)]
    _check_section_order(sections, sink)
    cur = INPUT_NODE
    tensors: dict[str, tuple[str, Span]] = {}
    for section in sections:
        frame = Frame(section.name, section.name, seen[id(section)], cur, None, tensors)
        cur = visitor.stmts(section.body, frame, cur)
    graph.output = cur
    for name, (_, span) in tensors.items():
        if name not in visitor.used_tensors and tensor_family(name) not in visitor.used_tensors:
            sink.report(M.DANGLING_TENSOR, span, name=name)
    _check_branch_ends(graph, sink)
    return graph


def _check_branch_ends(graph: Graph, sink: DiagnosticSink) -> None:
    """A warning where an op that drops a whole residual branch (``Op.branch_end``: stochastic
    depth) feeds anything but a merge: there it would drop the block's input too."""
    ends = {name for name, op in graph.ops.items() if op.branch_end}
    for node in graph.order():
        data = graph[node]
        if data.op not in ends:
            continue
        users = graph.users(node)
        if len(users) == 1 and graph.ops[graph[users[0]].op].merge:
            continue
        user = graph[users[0]].op if users else None
        sink.report(M.OFF_BRANCH, data.span, op=data.op, where=M.off_branch_target(user))


def _the_input(network: ast.Network, sink: DiagnosticSink) -> ast.InputDecl | None:
    """The network's input; a second one is an error (the first is the one used)."""
    decls = [i for i in network.items if isinstance(i, ast.InputDecl)]
    for extra in decls[1:]:
        first = Label(decls[0].span, M.NOTE_FIRST_INPUT)
        sink.report(M.SECOND_INPUT, extra.span, labels=(first,), name=network.name)
    return decls[0] if decls else None


def _input_shape(
    network: ast.Network,
    decl: ast.InputDecl | None,
    env: Mapping[str, Value],
    sink: DiagnosticSink,
) -> tuple[int, ...] | None:
    if decl is None:
        sink.report(M.NO_INPUT_SHAPE, network.name_span, name=network.name)
        return None
    try:
        value = evaluate(decl.shape, env, sink)
    except Reported:
        return None
    if (
        not isinstance(value, (list, tuple))
        or len(value) not in (1, 2, 3)
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        sink.report(M.BAD_INPUT_SHAPE, decl.shape.span, got=show_value(value))
        return None
    return tuple(value)


def _check_section_order(sections: list[ast.Section], sink: DiagnosticSink) -> None:
    seen: dict[str, ast.Section] = {}
    last = -1
    for section in sections:
        if section.name in seen:
            first = Label(seen[section.name].span, M.NOTE_FIRST_HERE)
            sink.report(M.DUPLICATE_SECTION, section.span, labels=(first,), name=section.name)
        seen[section.name] = section
        position = SECTIONS.index(section.name)
        if position < last:
            sink.report(M.SECTIONS_OUT_OF_ORDER, section.span, name=section.name)
        last = max(last, position)
