"""AST → IR: bind parameters, evaluate expressions, expand repeats, loops and templates,
and name every node after its scope path (``learner.group2.block3.conv1``).

Problems are reported to the sink and lowering goes on past them where it can, so one run
shows many errors. Node and edge attributes are documented in :mod:`jumpdsl.ir.graph`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import networkx as nx

from jumpdsl import diagnostics as D
from jumpdsl.diagnostics import Code, DiagnosticSink, Label
from jumpdsl.ir.evaluate import EvalError, evaluate, suggest
from jumpdsl.ir.ops import INPUT_OP, OPS, AttrError, OpSpec
from jumpdsl.ir.probe import ShapeProbe
from jumpdsl.ir.types import conforms, infer_conforms, type_text
from jumpdsl.ir.values import Symbol, Value, show_value, type_name
from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = ["IN_CHANNELS", "SECTIONS", "Limits", "find_network", "lower"]

SECTIONS = ("stem", "learner", "task")

# Bound in every block and group instance to the channel count (first dimension) of its input,
# so a block can decide what a paper decides from its input: projection or identity shortcut,
# DenseNet's transition width, MobileNetV2's expansion.
IN_CHANNELS = "in_channels"


@dataclass(frozen=True)
class Limits:
    """Bounds on what a spec may expand to; passing them fails fast with a diagnostic."""

    max_nodes: int = 100_000
    max_template_depth: int = 64

    @property
    def max_steps(self) -> int:
        # Statements executed, nodes or not: bounds `repeat` of empty bodies too.
        return 20 * self.max_nodes


class _Abort(Exception):
    """Stops lowering after a limit was hit (already reported)."""


@dataclass
class _Frame:
    """Where lowering stands: the scope, the variables and where shortcuts start."""

    path: str
    section: str
    env: dict[str, Value]
    block_input: str
    group_input: str | None
    tensors: dict[str, tuple[str, Span]]
    trace: tuple[Span, ...]
    stack: tuple[str, ...]
    edge_kind: str = "flow"

    def child(self, **changes: Any) -> _Frame:
        return dataclasses.replace(self, **changes)


@dataclass
class _Template:
    node: ast.Template
    env: Mapping[str, Value]  # the variables it can see where it was defined


@dataclass
class _Lowerer:
    sink: DiagnosticSink
    limits: Limits
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    templates: dict[str, _Template] = field(default_factory=dict)
    counters: dict[str, Counter[str]] = field(default_factory=dict)
    defaults: dict[str, dict[str, Value]] = field(default_factory=dict)
    used_templates: set[str] = field(default_factory=set)
    used_tensors: set[str] = field(default_factory=set)
    marks: dict[str, Span] = field(default_factory=dict)  # every `as NAME` in the file
    steps: int = 0
    probe: ShapeProbe = field(init=False)
    reads: dict[int, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.probe = ShapeProbe(self.graph)

    def reads_in_channels(self, tpl: ast.Template) -> bool:
        """Whether the template mentions ``in_channels`` (and has no parameter of that name)."""
        if id(tpl) not in self.reads:
            shadowed = any(p.name == IN_CHANNELS for p in tpl.params)
            self.reads[id(tpl)] = not shadowed and _mentions(tpl, IN_CHANNELS)
        return self.reads[id(tpl)]

    # ------------------------------------------------------------ helpers
    def error(self, code: Code, span: Span | None, hint: str | None = None, **fields: Any) -> None:
        self.sink.report(code, span, hint=hint, **fields)

    def eval(self, expr: ast.Expr, env: Mapping[str, Value]) -> Value:
        """Evaluate or raise EvalError (callers report it with :meth:`report_eval`)."""
        return evaluate(expr, env)

    def report_eval(self, err: EvalError, env: Mapping[str, Value]) -> None:
        hint = err.hint
        if err.code is D.UNKNOWN_NAME and hint is None:
            hint = suggest(err.fields.get("name", ""), env)
        self.sink.report(err.code, err.span, hint=hint, **err.fields)

    def next_name(self, path: str, key: str) -> str:
        counter = self.counters.get(path)
        if counter is None:  # not setdefault: that would build a Counter on every call
            counter = self.counters[path] = Counter()
        counter[key] += 1
        return f"{path}.{key}{counter[key]}" if path else f"{key}{counter[key]}"

    def tick(self, span: Span) -> None:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            self.error(
                D.LIMIT_EXCEEDED,
                span,
                hint="lower a repeat count, or raise the limit (--max-nodes)",
                message=f"expansion runs more than {self.limits.max_steps} statements",
            )
            raise _Abort

    def repeated(self, times: int, span: Span, once: Callable[[str], str], cur: str) -> str:
        """``once`` applied ``times`` times. After the first time, what the rest would add is
        known: a spec that would pass a limit stops here, in the time of one repetition."""
        budget = self.limits
        if times > budget.max_steps:
            self._too_big(span, f"repeats {times:,} times")
        for index in range(times):
            nodes, steps = self.graph.number_of_nodes(), self.steps
            cur = once(cur)
            self.tick(span)
            if index == 0 and times > 1:
                more_nodes = (self.graph.number_of_nodes() - nodes) * (times - 1)
                more_steps = (self.steps - steps) * (times - 1)
                if self.graph.number_of_nodes() + more_nodes > budget.max_nodes:
                    total = self.graph.number_of_nodes() + more_nodes
                    self._too_big(span, f"would expand to about {total:,} layers")
                if self.steps + more_steps > budget.max_steps:
                    self._too_big(span, f"would run about {self.steps + more_steps:,} statements")
        return cur

    def _too_big(self, span: Span, what: str) -> NoReturn:
        self.error(
            D.LIMIT_EXCEEDED,
            span,
            hint=f"lower the count, or raise the limit with --max-nodes "
            f"(now {self.limits.max_nodes:,} layers)",
            message=f"this {what}, over the limit",
        )
        raise _Abort

    def add_node(self, node: str, op: str, attrs: dict[str, Any], frame: _Frame, span: Span) -> str:
        if self.graph.number_of_nodes() >= self.limits.max_nodes:
            self.error(
                D.LIMIT_EXCEEDED,
                span,
                hint="lower a repeat count, or raise the limit with --max-nodes",
                message=f"the network expands to more than {self.limits.max_nodes} layers",
            )
            raise _Abort
        self.graph.add_node(
            node,
            op=op,
            attrs=attrs,
            section=frame.section,
            span=span,
            trace=frame.trace,
            order=self.graph.number_of_nodes(),
        )
        return node

    def connect(self, inputs: list[tuple[str, str]], node: str) -> None:
        for port, (source, kind) in enumerate(inputs):
            self.graph.add_edge(source, node, kind=kind, port=port)

    # ------------------------------------------------------------ statements
    def stmts(self, body: tuple[ast.Stmt, ...], frame: _Frame, cur: str) -> str:
        for stmt in body:
            self.tick(stmt.span)
            cur = self.stmt(stmt, frame, cur)
        return cur

    def stmt(self, stmt: ast.Stmt, frame: _Frame, cur: str) -> str:
        try:
            if isinstance(stmt, ast.Call):
                return self.call(stmt, frame, cur)
            if isinstance(stmt, ast.Repeat):
                times = self.count(stmt.count, frame, "repeat")
                return self.repeated(
                    times, stmt.span, lambda c: self.stmts(stmt.body, frame, c), cur
                )
            if isinstance(stmt, ast.Shortcut):
                return self.shortcut(stmt, frame, cur)
            if isinstance(stmt, ast.Branch):
                return self.branch(stmt, frame, cur)
            if isinstance(stmt, ast.For):
                return self.for_loop(stmt, frame, cur)
            if isinstance(stmt, ast.If):
                return self.if_stmt(stmt, frame, cur)
            if isinstance(stmt, ast.Let):
                frame.env[stmt.name] = self.eval(stmt.value, frame.env)
                return cur
            if isinstance(stmt, ast.Mark):
                return self.mark(stmt, frame, cur)
        except EvalError as err:
            self.report_eval(err, frame.env)
            return cur
        raise TypeError(f"not a statement: {stmt!r}")

    def count(self, expr: ast.Expr, frame: _Frame, what: str) -> int:
        value = self.eval(expr, frame.env)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EvalError(
                D.BAD_TYPE,
                expr.span,
                None,
                what=what,
                expected="a count (integer >= 0)",
                got=f"{type_name(value)} {show_value(value)}",
            )
        return value

    def call(self, stmt: ast.Call, frame: _Frame, cur: str) -> str:
        times = 1 if stmt.count is None else self.count(stmt.count, frame, "'*' (repeat)")
        positional, keywords = self.arguments(stmt, frame)
        # A variable holding a word calls the op or template that the word names
        # (`unit(f, stride)` with `unit = Bottleneck`): one group serves every kind of block.
        bound = frame.env.get(stmt.name)
        name = bound.name if isinstance(bound, Symbol) else stmt.name
        template = self.templates.get(name)
        spec = OPS.get(name)
        if template is None and spec is None:
            candidates = [*OPS, *self.templates]
            self.error(
                D.UNKNOWN_NAME,
                stmt.name_span,
                suggest(name, candidates),
                what="op or template"
                + ("" if name == stmt.name else f" (the value of '{stmt.name}')"),
                name=name,
            )
            return cur
        if template is None and spec is not None and spec.merge:
            self.error(
                D.MISPLACED,
                stmt.name_span,
                f"merge tensors with a shortcut ('skip {stmt.name}', 'jump {stmt.name}') or "
                f"'branch {stmt.name} {{ ... }}'",
                message=f"'{stmt.name}' merges several tensors and cannot stand in a sequence",
            )
            return cur

        def once(cur: str) -> str:
            if template is not None:
                return self.instantiate(template, positional, keywords, stmt, frame, cur)
            assert spec is not None
            return self.layer(spec, positional, keywords, stmt, frame, cur)

        return self.repeated(times, stmt.span, once, cur)

    def arguments(
        self, stmt: ast.Call, frame: _Frame
    ) -> tuple[list[tuple[Value, ast.Arg]], dict[str, tuple[Value, ast.Arg]]]:
        positional: list[tuple[Value, ast.Arg]] = []
        keywords: dict[str, tuple[Value, ast.Arg]] = {}
        for arg in stmt.args or ():
            value = self.eval(arg.value, frame.env)
            if arg.name is None:
                if keywords:
                    raise EvalError(
                        D.BAD_ARGUMENTS,
                        arg.span,
                        "put positional arguments first",
                        message="a positional argument follows a keyword argument",
                    )
                positional.append((value, arg))
            elif arg.name in keywords:
                raise EvalError(D.DUPLICATE_NAME, arg.span, None, what="argument", name=arg.name)
            else:
                keywords[arg.name] = (value, arg)
        return positional, keywords

    def bind(
        self,
        names: list[str],
        positional: list[tuple[Value, ast.Arg]],
        keywords: dict[str, tuple[Value, ast.Arg]],
        stmt: ast.Call,
        what: str,
    ) -> dict[str, tuple[Value, ast.Arg]]:
        """Match arguments to parameter names; extra or unknown arguments are errors."""
        if len(positional) > len(names):
            raise EvalError(
                D.BAD_ARGUMENTS,
                positional[len(names)][1].span,
                f"{what} takes: {', '.join(names)}" if names else f"write plain '{what}'",
                message=_arity_message(what, len(names), len(positional)),
            )
        bound = dict(zip(names, positional, strict=False))
        for name, (value, arg) in keywords.items():
            if name not in names:
                raise EvalError(
                    D.UNKNOWN_NAME,
                    arg.span,
                    suggest(name, names),
                    what="argument",
                    name=name,
                    where=f" of {what}",
                )
            if name in bound:
                raise EvalError(
                    D.BAD_ARGUMENTS,
                    arg.span,
                    None,
                    message=f"'{name}' is given twice (by position and by name)",
                )
            bound[name] = (value, arg)
        return bound

    def layer(
        self,
        spec: OpSpec,
        positional: list[tuple[Value, ast.Arg]],
        keywords: dict[str, tuple[Value, ast.Arg]],
        stmt: ast.Call,
        frame: _Frame,
        cur: str,
    ) -> str:
        names = [a.name for a in spec.attrs]
        bound = self.bind(names, positional, keywords, stmt, spec.name)
        given = {name: value for name, (value, _) in bound.items()}
        try:
            attrs = spec.resolve(given, self.defaults.get(spec.name))
        except KeyError as missing:
            example = {"conv": "conv(64, 3x3)", "dense": "dense(10)"}.get(spec.name)
            raise EvalError(
                D.BAD_ARGUMENTS,
                stmt.span,
                f"for example {example}" if example else None,
                message=f"{spec.name} needs the argument '{missing.args[0]}'",
            ) from None
        except AttrError as err:
            name = next(n for n in names if n in given and _fails(spec, n, given[n]))
            value, arg = bound[name]
            if isinstance(value, Symbol) and not err.choices:
                raise EvalError(
                    D.UNKNOWN_NAME,
                    arg.value.span,
                    suggest(value.name, frame.env),
                    what="name",
                    name=value.name,
                ) from None
            raise EvalError(
                D.BAD_TYPE,
                arg.value.span,
                _type_hint(err.got, err.expected) or suggest(str(value), err.choices),
                what=f"{spec.name} argument '{name}'",
                expected=err.expected,
                got=err.got,
            ) from None
        node = self.add_node(
            self.next_name(frame.path, spec.name), spec.name, attrs, frame, stmt.span
        )
        self.connect([(cur, frame.edge_kind)], node)
        return node

    def instantiate(
        self,
        template: _Template,
        positional: list[tuple[Value, ast.Arg]],
        keywords: dict[str, tuple[Value, ast.Arg]],
        stmt: ast.Call,
        frame: _Frame,
        cur: str,
    ) -> str:
        tpl = template.node
        self.used_templates.add(tpl.name)
        if tpl.name in frame.stack:
            chain = " → ".join([*frame.stack[frame.stack.index(tpl.name) :], tpl.name])
            self.error(
                D.RECURSIVE_TEMPLATE,
                stmt.name_span,
                "a template cannot contain itself",
                kind=tpl.kind,
                name=tpl.name,
                chain=chain,
            )
            return cur
        if len(frame.stack) >= self.limits.max_template_depth:
            self.error(
                D.LIMIT_EXCEEDED,
                stmt.span,
                None,
                message=f"templates nest more than {self.limits.max_template_depth} deep",
            )
            return cur
        outer = template.env
        if self.reads_in_channels(tpl):
            shape = self.probe.shape(cur)
            if shape is None:
                return cur  # the input's shape fails upstream: the shape pass reports it there
            outer = {**outer, IN_CHANNELS: shape[0]}
        env = self.bind_params(tpl.params, positional, keywords, stmt, tpl.name, outer)
        path = self.next_name(frame.path, tpl.kind)
        args = ", ".join(show_value(v) for v, _ in positional)
        args += "".join(f", {k}={show_value(v)}" for k, (v, _) in keywords.items())
        self.graph.graph.setdefault("scopes", {})[path] = {
            "kind": tpl.kind,
            "template": tpl.name,
            "call": f"{tpl.name}({args.lstrip(', ')})",
            "span": stmt.span,
        }
        inner = _Frame(
            path=path,
            section=frame.section,
            env=env,
            block_input=cur,
            group_input=cur if tpl.kind == "group" else frame.group_input,
            tensors={},
            trace=(*frame.trace, stmt.span),
            stack=(*frame.stack, tpl.name),
            edge_kind=frame.edge_kind,
        )
        return self.stmts(tpl.body, inner, cur)

    def bind_params(
        self,
        params: tuple[ast.Param, ...],
        positional: list[tuple[Value, ast.Arg]],
        keywords: dict[str, tuple[Value, ast.Arg]],
        stmt: ast.Call,
        name: str,
        outer: Mapping[str, Value],
    ) -> dict[str, Value]:
        bound = self.bind([p.name for p in params], positional, keywords, stmt, name)
        env: dict[str, Value] = dict(outer)
        for param in params:
            if param.name in bound:
                value, arg = bound[param.name]
                check_span = arg.value.span
            elif param.default is not None:
                value, check_span = self.eval(param.default, env), param.default.span
            else:
                raise EvalError(
                    D.BAD_ARGUMENTS,
                    stmt.span,
                    None,
                    message=f"{name} needs the argument '{param.name}'",
                )
            _check_param_type(param, value, check_span, env)
            env[param.name] = value
        return env

    def shortcut(self, stmt: ast.Shortcut, frame: _Frame, cur: str) -> str:
        spec = self.merge_spec(stmt.merge, stmt.merge_span)
        if stmt.origin is not None:
            origin = self.tensor(stmt.origin, stmt.span, frame)
        elif stmt.kind == "jump":
            if frame.group_input is None:
                raise EvalError(
                    D.MISPLACED,
                    stmt.span,
                    "jump starts at the input of the enclosing group; use 'skip' for a block's "
                    "input, or 'from NAME' for a named tensor",
                    message="'jump' is used outside a group",
                )
            origin = frame.group_input
        else:
            origin = frame.block_input
        end, kind = origin, stmt.kind
        if stmt.path:
            inner = frame.child(
                path=self.next_name(frame.path, stmt.kind), env=dict(frame.env), edge_kind=stmt.kind
            )
            end = self.stmts(stmt.path, inner, origin)
        return self.merge(spec, [(end, kind), (cur, frame.edge_kind)], frame, stmt.span)

    def branch(self, stmt: ast.Branch, frame: _Frame, cur: str) -> str:
        spec = self.merge_spec(stmt.merge, stmt.merge_span)
        if len(stmt.arms) < 2:
            raise EvalError(
                D.BAD_ARGUMENTS,
                stmt.span,
                "add another { ... } path",
                message="a branch needs at least two paths",
            )
        scope = self.next_name(frame.path, "branch")
        ends = []
        for arm in stmt.arms:
            inner = frame.child(path=self.next_name(scope, "arm"), env=dict(frame.env))
            ends.append((self.stmts(arm, inner, cur), frame.edge_kind))
        return self.merge(spec, ends, frame.child(path=scope), stmt.span)

    def merge(self, spec: OpSpec, inputs: list[tuple[str, str]], frame: _Frame, span: Span) -> str:
        # A DiGraph holds one edge per pair: a tensor merged with itself goes through identity.
        seen: set[str] = set()
        unique = []
        for source, kind in inputs:
            if source in seen:
                ident = self.add_node(
                    self.next_name(frame.path, "identity"), "identity", {}, frame, span
                )
                self.connect([(source, kind)], ident)
                source = ident
            seen.add(source)
            unique.append((source, kind))
        node = self.add_node(self.next_name(frame.path, spec.name), spec.name, {}, frame, span)
        self.connect(unique, node)
        return node

    def merge_spec(self, name: str, span: Span) -> OpSpec:
        spec = OPS.get(name)
        if spec is None or not spec.merge:
            merges = [n for n, s in OPS.items() if s.merge]
            raise EvalError(
                D.UNKNOWN_NAME,
                span,
                suggest(name, merges) or f"merges are {', '.join(merges)}",
                what="merge",
                name=name,
            )
        return spec

    def tensor(self, name: str, span: Span, frame: _Frame) -> str:
        if name not in frame.tensors:
            later = self.marks.get(name)
            if later is not None and (later.line, later.column) > (span.line, span.column):
                # Taking a tensor that is made later would close a loop.
                self.used_tensors.add(name)  # one mistake, one message
                raise EvalError(
                    D.CYCLE,
                    span,
                    "a shortcut can only start from a tensor made before it: move 'as "
                    f"{name}' earlier, or the shortcut later",
                    chain=f"'{name}' is used here but made later, at {later.describe()}",
                )
            hint = suggest(name, frame.tensors) or "name a tensor first with 'as NAME'"
            raise EvalError(D.UNKNOWN_NAME, span, hint, what="tensor", name=name)
        self.used_tensors.add(name)
        return frame.tensors[name][0]

    def mark(self, stmt: ast.Mark, frame: _Frame, cur: str) -> str:
        if stmt.name in frame.tensors:
            first = frame.tensors[stmt.name][1]
            self.sink.report(
                D.DUPLICATE_NAME,
                stmt.span,
                what="tensor",
                name=stmt.name,
                labels=(Label(first, "first named here"),),
                hint="pick another name",
            )
            return cur
        frame.tensors[stmt.name] = (cur, stmt.span)
        return cur

    def for_loop(self, stmt: ast.For, frame: _Frame, cur: str) -> str:
        items = self.eval(stmt.iterable, frame.env)
        if not isinstance(items, (list, tuple)):
            raise EvalError(
                D.BAD_TYPE,
                stmt.iterable.span,
                None,
                what="for",
                expected="a list",
                got=f"{type_name(items)} {show_value(items)}",
            )
        # Like Python: loop variables and lets stay in the enclosing scope, so a value can be
        # carried from one iteration to the next (`let cin = c`).
        iterator = iter(items)

        def once(cur: str) -> str:
            _destructure(stmt.target, next(iterator), frame.env)
            return self.stmts(stmt.body, frame, cur)

        return self.repeated(len(items), stmt.span, once, cur)

    def if_stmt(self, stmt: ast.If, frame: _Frame, cur: str) -> str:
        cond = self.eval(stmt.cond, frame.env)
        if not isinstance(cond, bool):
            raise EvalError(
                D.BAD_TYPE,
                stmt.cond.span,
                None,
                what="if",
                expected="true or false",
                got=f"{type_name(cond)} {show_value(cond)}",
            )
        body = stmt.then if cond else stmt.orelse
        return self.stmts(body or (), frame, cur)


def _arity_message(what: str, takes: int, given: int) -> str:
    if takes == 0:
        return f"{what} takes no arguments, got {given}"
    plural = "argument" if takes == 1 else "arguments"
    return f"{what} takes {takes} {plural} at most, got {given}"


def _fails(spec: OpSpec, name: str, value: Value) -> bool:
    try:
        spec.attr_index[name].coerce(value)
    except AttrError:
        return True
    return False


def _type_hint(got: str, expected: str) -> str | None:
    if "." in got and "integer" in expected:
        return "use // for integer division"
    return None


def _mentions(node: object, name: str) -> bool:
    """Whether an AST subtree reads the variable ``name``."""
    return any(isinstance(n, ast.Var) and n.name == name for n, _ in ast.walk(node))


def _destructure(target: ast.Target | ast.TargetTuple, value: Value, env: dict[str, Value]) -> None:
    if isinstance(target, ast.Target):
        env[target.name] = value
        return
    if not isinstance(value, (list, tuple)) or len(value) != len(target.items):
        raise EvalError(
            D.BAD_VALUE,
            target.span,
            None,
            message=f"cannot unpack {show_value(value)} into {len(target.items)} names",
        )
    for sub, item in zip(target.items, value, strict=False):
        _destructure(sub, item, env)


def _check_param_type(param: ast.Param, value: Value, span: Span, env: Mapping[str, Value]) -> None:
    if param.type is not None:
        ok, expected = conforms(value, param.type), type_text(param.type)
    elif param.default is not None:
        try:
            default = evaluate(param.default, env)
        except EvalError:
            return
        ok, expected = infer_conforms(value, default), type_name(default)
    else:
        return
    if not ok:
        raise EvalError(
            D.BAD_TYPE,
            span,
            None,
            what=f"parameter '{param.name}'",
            expected=expected,
            got=f"{type_name(value)} {show_value(value)}",
        )


# ---------------------------------------------------------------- the network


def find_network(module: ast.Module) -> ast.Network | None:
    for item in module.items:
        if isinstance(item, ast.Network):
            return item
    return None


def lower(
    module: ast.Module,
    sink: DiagnosticSink,
    *,
    overrides: Mapping[str, tuple[Value, Span | None]] | None = None,
    limits: Limits | None = None,
    library: Sequence[ast.Module] = (),
) -> nx.DiGraph | None:
    """Lower the file's network to the IR; None when there is no network or lowering aborted.

    ``overrides`` maps parameter names to (value, span of where it was set, or None).
    ``library`` holds the files brought in by ``use``: their templates (each seeing its own
    file's ``let`` values) can be called here.

    >>> from jumpdsl.source import SourceFile
    >>> from jumpdsl.syntax.parser import parse
    >>> sink = DiagnosticSink()
    >>> m = parse(SourceFile("t.jnet", "network T { input [3, 8, 8] task { gap dense(2) } }"), sink)
    >>> g = lower(m, sink)
    >>> sorted(g.nodes)
    ['input', 'task.dense1', 'task.gap1']
    """
    low = _Lowerer(sink, limits or Limits())
    network = find_network(module)
    networks = [i for i in module.items if isinstance(i, ast.Network)]
    for extra in networks[1:]:
        sink.report(
            D.DUPLICATE_NAME,
            extra.name_span,
            what="network",
            name=extra.name,
            hint="put each network in its own file",
        )
    for used in library:
        used_env = _file_env(used, low)
        _collect_templates(low, [i for i in used.items if isinstance(i, ast.Template)], used_env)
    low.marks = _marks(module)
    file_env = _file_env(module, low)
    _collect_templates(low, [i for i in module.items if isinstance(i, ast.Template)], file_env)
    if network is None:
        _warn_unused(low, module, None)
        return None
    try:
        graph = _lower_network(low, network, file_env, overrides or {})
    except _Abort:
        return None
    if graph is not None:
        _warn_unused(low, module, network)
    return graph


def _marks(module: ast.Module) -> dict[str, Span]:
    """Where each tensor name is first made with ``as NAME`` anywhere in the file."""
    found: dict[str, Span] = {}
    for node, _ in ast.walk(module):
        if isinstance(node, ast.Mark):
            found.setdefault(node.name, node.span)
    return found


def _file_env(module: ast.Module, low: _Lowerer) -> dict[str, Value]:
    env: dict[str, Value] = {}
    for item in module.items:
        if isinstance(item, ast.Let):
            try:
                env[item.name] = evaluate(item.value, env)
            except EvalError as err:
                low.report_eval(err, env)
    return env


def _collect_templates(low: _Lowerer, items: list[ast.Template], env: Mapping[str, Value]) -> None:
    for tpl in items:
        if tpl.name in low.templates or tpl.name in OPS:
            builtin = tpl.name in OPS
            labels = (
                ()
                if builtin
                else (Label(low.templates[tpl.name].node.name_span, "first defined here"),)
            )
            low.sink.report(
                D.DUPLICATE_NAME,
                tpl.name_span,
                what=tpl.kind,
                name=tpl.name,
                where=f" ('{tpl.name}' is a built-in op)" if builtin else "",
                labels=labels,
                hint="rename the template" if builtin else "rename one of them",
            )
            continue
        low.templates[tpl.name] = _Template(tpl, env)


def _lower_network(
    low: _Lowerer,
    network: ast.Network,
    file_env: dict[str, Value],
    overrides: Mapping[str, tuple[Value, Span | None]],
) -> nx.DiGraph | None:
    env = _bind_network_params(low, network, file_env, overrides)
    if env is None:
        return None
    input_decl = None
    for item in network.items:
        if isinstance(item, ast.Let):
            try:
                env[item.name] = evaluate(item.value, env)
            except EvalError as err:
                low.report_eval(err, env)
        elif isinstance(item, ast.Defaults):
            _read_defaults(low, item, env)
        elif isinstance(item, ast.InputDecl):
            input_decl = input_decl or item
    _collect_templates(low, [i for i in network.items if isinstance(i, ast.Template)], env)
    shape = _input_shape(low, network, input_decl, env)
    if shape is None:
        return None
    graph = low.graph
    graph.graph.update(
        name=network.name,
        input="input",
        input_shape=shape,
        params=dict(env),
        source=network.span.path,
    )
    net_frame = _Frame("", "input", env, "input", None, {}, (), ())
    low.add_node(
        "input",
        INPUT_OP,
        {"shape": shape},
        net_frame,
        input_decl.span if input_decl else network.name_span,
    )
    cur = "input"
    sections = [i for i in network.items if isinstance(i, ast.Section)]
    _check_section_order(low, sections)
    tensors: dict[str, tuple[str, Span]] = {}
    for section in sections:
        frame = _Frame(section.name, section.name, dict(env), cur, None, tensors, (), ())
        cur = low.stmts(section.body, frame, cur)
    graph.graph["output"] = cur
    for name, (_, span) in tensors.items():
        if name not in low.used_tensors:
            low.sink.report(
                D.DANGLING_TENSOR,
                span,
                name=name,
                hint=f"use it with 'from {name}', or remove 'as {name}'",
            )
    return graph


def _bind_network_params(
    low: _Lowerer,
    network: ast.Network,
    file_env: dict[str, Value],
    overrides: Mapping[str, tuple[Value, Span | None]],
) -> dict[str, Value] | None:
    names = [p.name for p in network.params]
    ok = True
    for name, (_, span) in overrides.items():
        if name not in names:
            hint = suggest(name, names) or (
                f"{network.name} takes: {', '.join(names)}"
                if names
                else f"{network.name} declares no parameters"
            )
            low.sink.report(
                D.BAD_OVERRIDE, span, hint=hint, message=f"{network.name} has no parameter '{name}'"
            )
            ok = False
    env = dict(file_env)
    for param in network.params:
        if param.name in overrides:
            value, span = overrides[param.name]
            try:
                _check_param_type(param, value, span or param.span, env)
            except EvalError as err:
                low.sink.report(
                    D.BAD_OVERRIDE,
                    span,
                    hint=f"{param.name} is declared at {param.span.describe()}",
                    message=f"{param.name}={show_value(value)}: {err.code.message(err.fields)}",
                )
                ok = False
                continue
        elif param.default is not None:
            try:
                value = evaluate(param.default, env)
                _check_param_type(param, value, param.default.span, env)
            except EvalError as err:
                low.report_eval(err, env)
                ok = False
                continue
        else:
            low.sink.report(
                D.BAD_OVERRIDE,
                param.span,
                hint=f"give it a default, or set it: --set {param.name}=VALUE",
                message=f"parameter '{param.name}' has no value",
            )
            ok = False
            continue
        env[param.name] = value
    return env if ok else None


def _read_defaults(low: _Lowerer, defaults: ast.Defaults, env: Mapping[str, Value]) -> None:
    for setting in defaults.settings:
        try:
            value = evaluate(setting.value, env)
        except EvalError as err:
            low.report_eval(err, env)
            continue
        if len(setting.path) == 1:
            targets = [spec for spec in OPS.values() if setting.path[0] in spec.attr_index]
            attr = setting.path[0]
            if not targets:
                all_attrs = {a.name for s in OPS.values() for a in s.attrs}
                low.error(
                    D.UNKNOWN_NAME,
                    setting.span,
                    suggest(attr, all_attrs),
                    what="attribute",
                    name=attr,
                )
                continue
        elif len(setting.path) == 2:
            op, attr = setting.path
            spec = OPS.get(op)
            if spec is None:
                low.error(D.UNKNOWN_NAME, setting.span, suggest(op, OPS), what="op", name=op)
                continue
            if attr not in spec.attr_index:
                low.error(
                    D.UNKNOWN_NAME,
                    setting.span,
                    suggest(attr, spec.attr_index),
                    what="attribute",
                    name=attr,
                    where=f" of {op}",
                )
                continue
            targets = [spec]
        else:
            low.error(
                D.BAD_VALUE,
                setting.span,
                "write op.attribute, e.g. conv.bias = false",
                message=f"'{'.'.join(setting.path)}' is not a default",
            )
            continue
        try:
            targets[0].attr_index[attr].coerce(value)
        except AttrError as err:
            low.error(
                D.BAD_TYPE,
                setting.value.span,
                suggest(str(value), err.choices),
                what=f"default '{attr}'",
                expected=err.expected,
                got=err.got,
            )
            continue
        for spec in targets:
            low.defaults.setdefault(spec.name, {})[attr] = value


def _input_shape(
    low: _Lowerer, network: ast.Network, decl: ast.InputDecl | None, env: Mapping[str, Value]
) -> tuple[int, ...] | None:
    if decl is None:
        low.error(
            D.MISPLACED,
            network.name_span,
            "e.g. 'input [3, 32, 32]' (channels, height, width)",
            message=f"network {network.name} has no input shape",
        )
        return None
    try:
        value = evaluate(decl.shape, env)
    except EvalError as err:
        low.report_eval(err, env)
        return None
    if (
        not isinstance(value, (list, tuple))
        or len(value) not in (1, 3)
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        low.error(
            D.BAD_TYPE,
            decl.shape.span,
            "e.g. input [3, 224, 224]",
            what="input",
            expected="[channels, height, width] or [features] of positive integers",
            got=show_value(value),
        )
        return None
    return tuple(value)


def _check_section_order(low: _Lowerer, sections: list[ast.Section]) -> None:
    seen: dict[str, ast.Section] = {}
    last = -1
    for section in sections:
        if section.name in seen:
            low.sink.report(
                D.DUPLICATE_NAME,
                section.span,
                what="section",
                name=section.name,
                labels=(Label(seen[section.name].span, "first here"),),
                hint="merge the two sections into one",
            )
        seen[section.name] = section
        position = SECTIONS.index(section.name)
        if position < last:
            low.error(
                D.MISPLACED,
                section.span,
                "write the sections as stem, learner, task",
                message=f"section '{section.name}' comes after a later section",
            )
        last = max(last, position)


def _warn_unused(low: _Lowerer, module: ast.Module, network: ast.Network | None) -> None:
    if network is None:
        return  # a library file: its templates are for others
    local = [i for i in network.items if isinstance(i, ast.Template)]
    local += [i for i in module.items if isinstance(i, ast.Template)]
    for tpl in local:
        if (
            tpl.name not in low.used_templates
            and low.templates.get(tpl.name, None) is not None
            and low.templates[tpl.name].node is tpl
        ):
            low.sink.report(
                D.UNUSED_DEFINITION,
                tpl.name_span,
                kind=tpl.kind,
                name=tpl.name,
                hint="call it, or remove it",
            )
