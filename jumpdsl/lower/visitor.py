"""The statement visitor: runs a section's statements and makes their nodes through the
builder. Each statement takes the current tensor (a node id) and returns the next one.

A statement that fails is reported and skipped (:class:`jumpdsl.diagnostics.Reported`), so one
run shows many errors; a passed limit stops everything (:class:`jumpdsl.diagnostics.Aborted`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from jumpdsl import messages as M
from jumpdsl.diagnostics import Aborted, DiagnosticSink, Label, Reported
from jumpdsl.ir.evaluate import evaluate
from jumpdsl.ir.graph import MAIN_OUTPUT, NamedOutput, Scope, ScopeArg
from jumpdsl.ir.values import Function, Symbol, TensorRef, Unset, Value, show_typed, show_value
from jumpdsl.lower.binding import (
    BoundArgs,
    CallArgs,
    bind_op,
    bind_template,
    check_params,
    evaluate_arguments,
    is_reserved,
    is_tensor_param,
)
from jumpdsl.lower.builder import Builder
from jumpdsl.lower.defaults import OpDefaults
from jumpdsl.lower.templates import IN_CHANNELS, TemplateDef, Templates
from jumpdsl.messages import did_you_mean
from jumpdsl.ops.core import Op
from jumpdsl.ops.rules import channels
from jumpdsl.ops.table import OpTable
from jumpdsl.passes.shapes import ShapeEngine
from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = ["Frame", "Visitor", "define_function", "mark_later_lets", "read_let", "tensor_family"]


def mark_later_lets(items: Sequence[object], env: dict[str, Value]) -> None:
    """Bind each name a ``let`` among ``items`` defines, and nothing defines yet, to where it is
    defined: a use above the ``let`` then says so (rather than 'unknown name')."""
    for item in items:
        if isinstance(item, (ast.Let, ast.Function)) and item.name not in env:
            env[item.name] = Unset(item.name, item.span)


def read_let(let: ast.Let, env: dict[str, Value], sink: DiagnosticSink) -> None:
    """Bind a ``let``'s name to its value; to :class:`Unset` when that fails (reported once:
    the uses that follow say nothing more). A keyword cannot be the name."""
    if is_reserved(let.name):
        sink.report(M.RESERVED_WORD, let.span, name=let.name, what="value")
        return
    try:
        env[let.name] = evaluate(let.value, env, sink)
    except Reported:
        env[let.name] = Unset(let.name)


def define_function(fn: ast.Function, env: dict[str, Value], sink: DiagnosticSink) -> None:
    """Bind a ``fn``'s name to the function, seeing the values above it (a snapshot, so it
    can call only functions defined before it); one that calls itself is an error, and its
    name is then poisoned like a failed ``let``'s (its uses say nothing more)."""
    if is_reserved(fn.name):
        sink.report(M.RESERVED_WORD, fn.name_span, name=fn.name, what="function")
        return
    check_params(fn.params, sink)
    calls = (n for n, _ in ast.walk(fn) if isinstance(n, ast.Func) and n.name == fn.name)
    itself = next(calls, None)
    if itself is not None:
        sink.report(M.RECURSIVE_FUNCTION, itself.span, name=fn.name)
        env[fn.name] = Unset(fn.name)
        return
    env[fn.name] = Function(fn, dict(env))


# The argument values a bound op may be remembered by: equal values of these types bind
# alike (a bool, equal to an int, is none of them; a tuple only of ints, as sizes are).
_PLAIN = (int, float, str, Symbol)


def _plain_key(op: str, args: CallArgs) -> tuple[Any, ...] | None:
    """``op`` and its arguments as a key that equal calls share, or None when a value is not
    plain (a list, a bool, a tensor, …)."""
    positional, keywords = args
    if not positional and not keywords:
        return (op,)
    given: list[tuple[str | None, Value]] = [(None, a.value) for a in positional]
    given += [(name, a.value) for name, a in keywords.items()]
    key: list[Any] = [op]
    for name, value in given:
        kind = type(value)
        if kind is tuple:
            if not all(type(v) is int for v in value):  # type: ignore[union-attr]
                return None
        elif kind not in _PLAIN:
            return None
        key.append((name, kind, repr(value) if kind is float else value))  # -0.0 is not 0.0
    return tuple(key)


@dataclass
class Frame:
    """Where lowering stands: the scope, the variables and where shortcuts start."""

    path: str
    section: str
    env: dict[str, Value]
    block_input: str
    group_input: str | None
    tensors: dict[str, tuple[str, Span]]
    trace: tuple[Span, ...] = ()
    stack: tuple[str, ...] = ()
    edge_kind: str = "flow"
    prefix: str = ""  # inside a template of a file used 'as ns': 'ns.'

    def child(self, **changes: Any) -> Frame:
        return dataclasses.replace(self, **changes)


@dataclass
class Visitor:
    builder: Builder
    templates: Templates
    defaults: OpDefaults
    marks: Mapping[str, Span]  # every `as NAME` in the file, where it is first made
    used_tensors: set[str] = field(default_factory=set)
    # Per op, its attributes' checked fallbacks (the spec's defaults, else the table's): the
    # same for every call of the op in this network, so checked once.
    fallbacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # An op's checked attributes per plain argument values (see _plain_key): a spec calls the
    # same op with the same values again and again, and binding succeeds or fails alike.
    bound_ops: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    engine: ShapeEngine = field(init=False)
    sink: DiagnosticSink = field(init=False)
    ops: OpTable = field(init=False)

    def __post_init__(self) -> None:
        self.engine = ShapeEngine(self.builder.graph)
        self.sink = self.builder.sink
        self.ops = self.builder.graph.ops

    def eval(self, expr: ast.Expr, frame: Frame) -> Value:
        return evaluate(expr, frame.env, self.sink)

    # ------------------------------------------------------------ statements
    def stmts(self, body: tuple[ast.Stmt, ...], frame: Frame, cur: str) -> str:
        mark_later_lets(body, frame.env)
        tick = self.builder.tick
        for stmt in body:
            tick(stmt.span)
            try:
                cur = self.dispatch(stmt, frame, cur)
            except Aborted:
                raise
            except Reported:  # reported and skipped: the next statement takes the same input
                pass
        return cur

    def dispatch(self, stmt: ast.Stmt, frame: Frame, cur: str) -> str:
        if isinstance(stmt, ast.Call):
            return self.call(stmt, frame, cur)
        if isinstance(stmt, ast.Repeat):
            times = self.count(stmt.count, frame, "repeat")
            return self.builder.repeated(
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
            read_let(stmt, frame.env, self.sink)
            return cur
        if isinstance(stmt, ast.Mark):
            return self.mark(stmt, frame, cur)
        if isinstance(stmt, ast.Output):
            return self.output(stmt, frame, cur)
        raise TypeError(f"not a statement: {stmt!r}")

    def wrong_type(self, span: Span, what: str, expected: str, value: Value) -> NoReturn:
        self.sink.fail(M.BAD_TYPE, span, what=what, expected=expected, got=show_typed(value))

    def count(self, expr: ast.Expr, frame: Frame, what: str) -> int:
        value = self.eval(expr, frame)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.wrong_type(expr.span, what, M.EXPECTED_COUNT, value)
        return value

    # ------------------------------------------------------------ calls
    def template(self, name: str, frame: Frame) -> TemplateDef | None:
        """The template a call names: in a namespaced file's template its own file's first."""
        found = self.templates.get(frame.prefix + name) if frame.prefix else None
        return found if found is not None else self.templates.get(name)

    def call(self, stmt: ast.Call, frame: Frame, cur: str) -> str:
        # A variable holding a word calls the op or template that the word names
        # (`unit(f, stride)` with `unit = Bottleneck`): one group serves every kind of block.
        bound = frame.env.get(stmt.name)
        name = bound.name if isinstance(bound, Symbol) else stmt.name
        template = self.template(name, frame)
        if (template if name == stmt.name else self.template(stmt.name, frame)) is not None:
            # Called, even when the call's arguments fail: no 'never used' on top of the error.
            self.templates.used.add(stmt.name)
        times = 1 if stmt.count is None else self.count(stmt.count, frame, "'*' (repeat)")
        resolve = None if template is None else self.tensor_arguments(template, frame)
        args = evaluate_arguments(stmt, frame.env, self.sink, resolve)
        spec = self.ops.get(name)
        if template is None and spec is None:
            self.sink.fail(
                M.UNKNOWN_NAME,
                stmt.name_span,
                hint=self.ops.unknown_hint(name, self.templates.names()),
                what="op or template" if name == stmt.name else M.value_of(stmt.name),
                name=name,
            )
        if template is None and spec is not None and spec.merge:
            self.sink.fail(M.MERGE_IN_SEQUENCE, stmt.name_span, name=stmt.name)

        def once(cur: str) -> str:
            if template is not None:
                return self.instantiate(template, args, stmt, frame, cur)
            assert spec is not None
            return self.layer(spec, args, stmt, frame, cur)

        return self.builder.repeated(times, stmt.span, once, cur)

    def layer(self, spec: Op, args: CallArgs, stmt: ast.Call, frame: Frame, cur: str) -> str:
        key = _plain_key(spec.name, args)
        values = self.bound_ops.get(key) if key is not None else None
        if values is None:
            defaults = self.defaults.get(spec.name, {})
            known = self.fallbacks.setdefault(spec.name, {})
            values = bind_op(spec, args, defaults, stmt.span, frame.env, self.sink, known).values
            if key is not None:
                self.bound_ops[key] = values
        name = self.builder.next_name(frame.path, spec.name)
        node = self.add(name, spec.name, dict(values), frame, stmt.span, stmt.label)
        self.builder.connect([(cur, frame.edge_kind)], node)
        return node

    def add(
        self,
        node: str,
        op: str,
        attrs: dict[str, Any],
        frame: Frame,
        span: Span,
        label: str | None = None,
    ) -> str:
        return self.builder.add_node(node, op, attrs, frame.section, span, frame.trace, label)

    def instantiate(
        self, template: TemplateDef, args: CallArgs, stmt: ast.Call, frame: Frame, cur: str
    ) -> str:
        tpl = template.node
        self.templates.used.add(tpl.name)
        if template.name in frame.stack:
            chain = " → ".join([*frame.stack[frame.stack.index(template.name) :], template.name])
            self.sink.fail(
                M.RECURSIVE_TEMPLATE, stmt.name_span, kind=tpl.kind, name=tpl.name, chain=chain
            )
        limit = self.builder.limits.max_template_depth
        if len(frame.stack) >= limit:
            self.sink.fail(M.TEMPLATES_TOO_DEEP, stmt.span, limit=limit)
        outer = template.env
        if template.reads_in_channels:
            shape = self.engine.shape(cur)
            if shape is None:
                return cur  # the input's shape fails upstream: the shape pass reports it there
            outer = {**outer, IN_CHANNELS: channels(shape)}
        bound = bind_template(tpl.params, args, stmt, tpl.name, outer, frame.env, self.sink)
        path = self.builder.next_name(frame.path, tpl.kind)
        values = tuple(bound.values.items())
        scope_args = self.scope_args(tpl, bound, stmt, frame)
        label = stmt.label if stmt.label is not None else tpl.label
        call = args.show(tpl.name)
        scope = Scope(tpl.kind, tpl.name, call, stmt.span, values, scope_args, label)
        self.builder.add_scope(path, scope)
        inner = Frame(
            path=path,
            section=frame.section,
            env={**outer, **bound.values},
            block_input=cur,
            group_input=cur if tpl.kind == "group" else frame.group_input,
            tensors={
                name: (value.node, stmt.span)
                for name, value in bound.values.items()
                if isinstance(value, TensorRef)
            },
            trace=(*frame.trace, stmt.span),
            stack=(*frame.stack, template.name),
            edge_kind=frame.edge_kind,
            prefix=template.prefix,
        )
        with self.sink.within(Label(stmt.span, M.note_in_instance(call))):
            return self.stmts(tpl.body, inner, cur)

    def scope_args(
        self, tpl: ast.Template, bound: BoundArgs, stmt: ast.Call, frame: Frame
    ) -> tuple[ScopeArg, ...]:
        """The instance's parameters for its figure label: value, default or not, and passed
        on unchanged from a parameter of the enclosing instance (its title shows that one)."""
        enclosing = self.builder.graph.scopes.get(frame.path)
        outer = {a.name: a.value for a in enclosing.args} if enclosing is not None else {}
        positional = [a for a in stmt.args or () if a.name is None]
        exprs = {p.name: a.value for p, a in zip(tpl.params, positional, strict=False)}
        exprs.update({a.name: a.value for a in stmt.args or () if a.name is not None})
        scope_args = []
        for param in tpl.params:
            value = show_value(bound.values[param.name])
            expr = exprs.get(param.name)
            inherited = isinstance(expr, ast.Var) and outer.get(expr.name) == value
            scope_args.append(ScopeArg(param.name, value, param.name in bound.defaulted, inherited))
        return tuple(scope_args)

    # ------------------------------------------------------------ shortcuts and branches
    def shortcut(self, stmt: ast.Shortcut, frame: Frame, cur: str) -> str:
        spec = self.merge_spec(stmt.merge, stmt.merge_span)
        if stmt.kind == "gate":
            if stmt.origin is not None:
                self.sink.fail(M.GATE_WITH_ORIGIN, stmt.span, merge=stmt.merge)
            if not stmt.path:
                self.sink.fail(M.GATE_WITHOUT_PATH, stmt.span, merge=stmt.merge)
        if stmt.origin is not None:
            key = self.tensor_key(stmt.origin, stmt.origin_index, frame)
            origin = self.tensor(key, stmt.span, frame)
        elif stmt.kind == "gate":
            origin = cur
        elif stmt.kind == "jump":
            if frame.group_input is None:
                self.sink.fail(M.JUMP_OUTSIDE_GROUP, stmt.span)
            origin = frame.group_input
        else:
            origin = frame.block_input
        end = origin
        if stmt.path:
            # A gate's path is drawn and stored as a skip path (it is one, from here).
            kind = "skip" if stmt.kind == "gate" else stmt.kind
            inner = frame.child(
                path=self.builder.next_name(frame.path, stmt.kind),
                env=dict(frame.env),
                edge_kind=kind,
            )
            end = self.stmts(stmt.path, inner, origin)
        kind = "skip" if stmt.kind == "gate" else stmt.kind
        return self.merge(spec, [(end, kind), (cur, frame.edge_kind)], frame, stmt.span)

    def branch(self, stmt: ast.Branch, frame: Frame, cur: str) -> str:
        spec = self.merge_spec(stmt.merge, stmt.merge_span)
        if len(stmt.arms) < 2:
            self.sink.fail(M.BRANCH_OF_ONE, stmt.span)
        scope = self.builder.next_name(frame.path, "branch")
        ends = []
        for arm in stmt.arms:
            inner = frame.child(path=self.builder.next_name(scope, "arm"), env=dict(frame.env))
            ends.append((self.stmts(arm, inner, cur), frame.edge_kind))
        return self.merge(spec, ends, frame.child(path=scope), stmt.span)

    def merge(self, spec: Op, inputs: list[tuple[str, str]], frame: Frame, span: Span) -> str:
        # A DiGraph holds one edge per pair: a tensor merged with itself goes through identity.
        seen: set[str] = set()
        unique = []
        for source, kind in inputs:
            if source in seen:
                ident = self.add(
                    self.builder.next_name(frame.path, "identity"), "identity", {}, frame, span
                )
                self.builder.connect([(source, kind)], ident)
                source = ident
            seen.add(source)
            unique.append((source, kind))
        # A merge takes no arguments: its attributes are the defaults (the spec's, the table's).
        none = CallArgs((), {})
        known = self.fallbacks.setdefault(spec.name, {})
        defaults = self.defaults.get(spec.name, {})
        attrs = bind_op(spec, none, defaults, span, frame.env, self.sink, known)
        name = self.builder.next_name(frame.path, spec.name)
        node = self.add(name, spec.name, attrs.values, frame, span)
        self.builder.connect(unique, node)
        return node

    def merge_spec(self, name: str, span: Span) -> Op:
        spec = self.ops.get(name)
        if spec is None or not spec.merge:
            merges = self.ops.merges
            hint = did_you_mean(name, merges) or M.merges_are(merges)
            self.sink.fail(M.UNKNOWN_NAME, span, hint=hint, what="merge", name=name)
        return spec

    # ------------------------------------------------------------ named tensors
    def tensor_key(self, name: str, index: ast.Expr | None, frame: Frame) -> str:
        """A tensor's name as the tables keep it: ``enc`` or, indexed, ``enc[2]``."""
        if index is None:
            return name
        value = self.eval(index, frame)
        if isinstance(value, bool) or not isinstance(value, int):
            self.sink.fail(M.BAD_TENSOR_INDEX, index.span, got=show_typed(value))
        return f"{name}[{value}]"

    def tensor_arguments(
        self, template: TemplateDef, frame: Frame
    ) -> Callable[[ast.Arg, int], Value | None]:
        """What resolves a call's arguments for the template's ``tensor`` parameters (a
        tensor's name, not an expression) in the caller's tables."""
        params = template.node.params
        tensor_params = {p.name for p in params if is_tensor_param(p)}

        def resolve(arg: ast.Arg, position: int) -> Value | None:
            if arg.name is not None:
                name = arg.name
            elif position < len(params):
                name = params[position].name
            else:
                return None
            if name not in tensor_params:
                return None
            return self.tensor_argument(arg.value, name, template.node.name, frame)

        return resolve if tensor_params else (lambda arg, position: None)

    def tensor_argument(self, expr: ast.Expr, param: str, callee: str, frame: Frame) -> TensorRef:
        if isinstance(expr, ast.Var):
            key = expr.name
        elif isinstance(expr, ast.Index) and isinstance(expr.target, ast.Var):
            key = self.tensor_key(expr.target.name, expr.index, frame)
        else:
            got = show_typed(self.eval(expr, frame))
            self.sink.fail(M.TENSOR_EXPECTED, expr.span, name=param, callee=callee, got=got)
        return TensorRef(key, self.tensor(key, expr.span, frame))

    def tensor(self, name: str, span: Span, frame: Frame) -> str:
        if name not in frame.tensors:
            later = self.marks.get(tensor_family(name))
            if later is not None and frame.stack:
                # Made outside this template (above or below): templates see only their own.
                self.used_tensors.add(name)
                hint = M.pass_the_tensor(tensor_family(name))
                self.sink.fail(M.UNKNOWN_NAME, span, hint=hint, what="tensor", name=name)
            if later is not None and (later.line, later.column) > (span.line, span.column):
                # Taking a tensor that is made later would close a loop.
                self.used_tensors.add(name)  # one mistake, one message
                self.sink.fail(M.CYCLE, span, name=name, where=later.describe())
            hint = did_you_mean(name, frame.tensors) or M.HINT_NAME_A_TENSOR
            self.sink.fail(M.UNKNOWN_NAME, span, hint=hint, what="tensor", name=name)
        self.used_tensors.add(name)
        self.used_tensors.add(tensor_family(name))  # one of `enc[i]` used: the family is
        return frame.tensors[name][0]

    def mark(self, stmt: ast.Mark, frame: Frame, cur: str) -> str:
        name = self.tensor_key(stmt.name, stmt.index, frame)
        if name in frame.tensors:
            first = Label(frame.tensors[name][1], M.NOTE_FIRST_NAMED)
            self.sink.fail(M.DUPLICATE_TENSOR, stmt.span, labels=(first,), name=name)
        frame.tensors[name] = (cur, stmt.span)
        self.builder.name_tensor(name, cur, frame.path, stmt.span)
        return cur

    # ------------------------------------------------------------ outputs
    def output(self, stmt: ast.Output, frame: Frame, cur: str) -> str:
        """A named output: the head applied to its tensor, in a scope of its own
        (``task.output1.conv1``); the current tensor goes on unchanged."""
        if frame.path != frame.section:
            self.sink.fail(M.OUTPUT_NOT_IN_SECTION, stmt.span, name=stmt.name)
        graph = self.builder.graph
        first = next((o for o in graph.extra_outputs if o.name == stmt.name), None)
        if first is not None or stmt.name == MAIN_OUTPUT:
            labels = (
                ()
                if first is None or first.span is None
                else (Label(first.span, M.NOTE_FIRST_OUTPUT),)
            )
            self.sink.fail(M.DUPLICATE_OUTPUT, stmt.span, labels=labels, name=stmt.name)
        origin = cur if stmt.origin is None else self.tensor(stmt.origin, stmt.span, frame)
        end = origin
        if stmt.head:
            inner = frame.child(
                path=self.builder.next_name(frame.path, "output"), env=dict(frame.env)
            )
            end = self.stmts(stmt.head, inner, origin)
        self.builder.add_output(NamedOutput(stmt.name, end, stmt.span))
        return cur

    # ------------------------------------------------------------ control flow
    def for_loop(self, stmt: ast.For, frame: Frame, cur: str) -> str:
        items = self.eval(stmt.iterable, frame)
        if not isinstance(items, (list, tuple)):
            self.wrong_type(stmt.iterable.span, "for", "a list", items)
        # Like Python: loop variables and lets stay in the enclosing scope, so a value can be
        # carried from one iteration to the next (`let cin = c`).
        iterator = iter(items)

        def once(cur: str) -> str:
            _destructure(stmt.target, next(iterator), frame.env, self.sink)
            return self.stmts(stmt.body, frame, cur)

        return self.builder.repeated(len(items), stmt.span, once, cur)

    def if_stmt(self, stmt: ast.If, frame: Frame, cur: str) -> str:
        cond = self.eval(stmt.cond, frame)
        if not isinstance(cond, bool):
            self.wrong_type(stmt.cond.span, "if", "true or false", cond)
        body = stmt.then if cond else stmt.orelse
        return self.stmts(body or (), frame, cur)


def tensor_family(name: str) -> str:
    """The name a tensor was made under, without its index (``enc[2]`` → ``enc``)."""
    return name.partition("[")[0]


def _destructure(
    target: ast.Target | ast.TargetTuple, value: Value, env: dict[str, Value], sink: DiagnosticSink
) -> None:
    if isinstance(target, ast.Target):
        env[target.name] = value
        return
    if not isinstance(value, (list, tuple)) or len(value) != len(target.items):
        sink.fail(M.CANNOT_UNPACK, target.span, value=show_value(value), count=len(target.items))
    for sub, item in zip(target.items, value, strict=False):
        _destructure(sub, item, env, sink)
