"""Binding a call's arguments to the callee's parameters, with their type checks: for ops
(attributes, from the op table), templates (their declared parameters) and the network
(``--set`` and the parameters' defaults).

Arguments are evaluated once into :class:`CallArgs`; :func:`match` pairs them with parameter
names (too many, unknown, given twice); :func:`bind_op` and :func:`bind_template` finish with
defaults and type checks and give the one :class:`BoundArgs` type. Every problem is reported
to the sink and unwinds with :class:`jumpdsl.diagnostics.Reported`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple, NoReturn

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink, Label, Reported
from jumpdsl.ir.evaluate import CONSTANTS, check_bounds, evaluate
from jumpdsl.ir.graph import SECTIONS
from jumpdsl.ir.types import TYPE_NAMES, conforms, infer_conforms, unknown_types
from jumpdsl.ir.values import Symbol, Value, show_typed, show_value, type_name
from jumpdsl.messages import did_you_mean
from jumpdsl.ops.core import REQUIRED, Attr, AttrError, Op
from jumpdsl.source import Span
from jumpdsl.syntax import ast
from jumpdsl.syntax.grammar import keywords
from jumpdsl.syntax.printer import type_text

__all__ = [
    "Argument",
    "ArgumentResolver",
    "BoundArgs",
    "CallArgs",
    "bind_network",
    "bind_op",
    "bind_template",
    "check_params",
    "evaluate_arguments",
    "is_reserved",
    "is_tensor_param",
    "match",
    "report_attr_error",
]


class Argument(NamedTuple):
    """One argument's value, where it was written and where its value was."""

    value: Value
    span: Span
    value_span: Span


class CallArgs(NamedTuple):
    """A call's arguments, evaluated, as written: positional first, then by name. False when
    there are none."""

    positional: tuple[Argument, ...]
    keywords: Mapping[str, Argument]

    def __bool__(self) -> bool:
        return bool(self.positional or self.keywords)

    def show(self, callee: str) -> str:
        """The call with its values: ``JumpGroup(32, 3, reduction=2)``."""
        parts = [show_value(a.value) for a in self.positional]
        parts += [f"{k}={show_value(a.value)}" for k, a in self.keywords.items()]
        return f"{callee}({', '.join(parts)})"


# A call without arguments (most are: `bn`, `relu`); nothing may change it.
NO_ARGUMENTS = CallArgs((), MappingProxyType({}))


class BoundArgs(NamedTuple):
    """Every parameter of a callee with its value (given or default), what was given, and the
    parameters whose value is their default's (given or not; templates only)."""

    callee: str
    values: dict[str, Value]
    given: Mapping[str, Argument]
    defaulted: frozenset[str] = frozenset()


# Gives the value of an argument that is no expression (a tensor's name for a ``tensor``
# parameter), or None: called with the argument and its position among the positional ones.
ArgumentResolver = Callable[[ast.Arg, int], Value | None]


def evaluate_arguments(
    call: ast.Call,
    env: Mapping[str, Value],
    sink: DiagnosticSink,
    resolve: ArgumentResolver | None = None,
) -> CallArgs:
    if not call.args:
        return NO_ARGUMENTS
    positional: list[Argument] = []
    keywords: dict[str, Argument] = {}
    for arg in call.args:
        special = None if resolve is None else resolve(arg, len(positional))
        value = evaluate(arg.value, env, sink) if special is None else special
        argument = Argument(value, arg.span, arg.value.span)
        if arg.name is None:
            if keywords:
                sink.fail(M.POSITIONAL_AFTER_KEYWORD, arg.span)
            positional.append(argument)
        elif arg.name in keywords:
            sink.fail(M.DUPLICATE_ARGUMENT, arg.span, name=arg.name)
        else:
            keywords[arg.name] = argument
    return CallArgs(tuple(positional), keywords)


def match(
    names: list[str],
    args: CallArgs,
    callee: str,
    env: Mapping[str, Value],
    sink: DiagnosticSink,
) -> dict[str, Argument]:
    """Arguments by parameter name; extra, unknown or doubled arguments are errors."""
    if len(args.positional) > len(names):
        extra = args.positional[len(names)].span
        given = len(args.positional)
        if not names:
            sink.fail(M.NO_ARGUMENTS_TAKEN, extra, callee=callee, given=given)
        noun = "argument" if len(names) == 1 else "arguments"
        sink.fail(
            M.TOO_MANY_ARGUMENTS,
            extra,
            callee=callee,
            takes=len(names),
            noun=noun,
            given=given,
            names=", ".join(names),
        )
    bound = dict(zip(names, args.positional, strict=False))
    for name, argument in args.keywords.items():
        if name not in names:
            hint = did_you_mean(name, names) or did_you_mean(name, env)
            sink.fail(
                M.UNKNOWN_NAME,
                argument.span,
                hint=hint,
                what="argument",
                name=name,
                where=f" of {callee}",
            )
        if name in bound:
            sink.fail(M.GIVEN_TWICE, argument.span, name=name)
        bound[name] = argument
    return bound


def bind_op(
    spec: Op,
    args: CallArgs,
    defaults: Mapping[str, Value],
    span: Span,
    env: Mapping[str, Value],
    sink: DiagnosticSink,
    fallbacks: dict[str, Value] | None = None,
) -> BoundArgs:
    """The op's attributes: given, else the spec's ``defaults``, else the table's; checked.
    ``span`` is the statement's (where a missing argument, or a bad default, is reported).
    ``fallbacks`` (the caller's, one per op and ``defaults``) keeps the checked values of
    attributes not given, so each is checked once."""
    given = match([a.name for a in spec.attrs], args, spec.name, env, sink) if args else {}
    values: dict[str, Value] = {}
    known = {} if fallbacks is None else fallbacks
    for attr in spec.attrs:
        argument = given.get(attr.name)
        if argument is None and attr.name in known:
            values[attr.name] = known[attr.name]
            continue
        if argument is not None:
            value = argument.value
        elif attr.name in defaults:
            value = defaults[attr.name]
        elif attr.default is REQUIRED:
            sink.fail(
                M.MISSING_ARGUMENT,
                span,
                hint=M.example_call(spec.usage),
                callee=spec.name,
                name=attr.name,
            )
        else:
            value = attr.default
        if value is not None:
            try:
                value = attr.coerce(value)
            except AttrError as err:
                _refused(spec, attr, err, value, argument, span, env, sink)
        values[attr.name] = value
        if argument is None:
            known[attr.name] = value
    return BoundArgs(spec.name, values, given)


def _refused(
    spec: Op,
    attr: Attr,
    err: AttrError,
    value: Value,
    argument: Argument | None,
    span: Span,
    env: Mapping[str, Value],
    sink: DiagnosticSink,
) -> NoReturn:
    # A value from `defaults` was checked where it was set: blame the call.
    where = argument.value_span if argument is not None else span
    if isinstance(value, Symbol) and not err.choices:
        hint = did_you_mean(value.name, env)
        sink.fail(M.UNKNOWN_NAME, where, hint=hint, what="name", name=value.name)
    report_attr_error(err, f"{spec.name} argument '{attr.name}'", value, where, sink)
    raise Reported


def report_attr_error(
    err: AttrError, what: str, value: Value, span: Span, sink: DiagnosticSink
) -> None:
    """A value an attribute refuses, as a diagnostic with the accepted words suggested."""
    hint = (
        _type_hint(err.got, err.expected)
        or did_you_mean(str(value), err.choices)
        or did_you_mean(err.got, err.choices)  # a word inside the value: kaiming_normal(fan_ot)
    )
    sink.report(M.BAD_TYPE, span, hint=hint, what=what, expected=err.expected, got=err.got)


def _type_hint(got: str, expected: str) -> str | None:
    if "." in got and "integer" in expected:
        return M.HINT_INTEGER_DIVISION
    return None


def bind_template(
    params: tuple[ast.Param, ...],
    args: CallArgs,
    call: ast.Call,
    callee: str,
    outer: Mapping[str, Value],
    caller_env: Mapping[str, Value],
    sink: DiagnosticSink,
) -> BoundArgs:
    """A template's parameters: given, else their defaults, evaluated where the template was
    defined (``outer``) and able to read earlier parameters."""
    given = match([p.name for p in params], args, callee, caller_env, sink)
    env: dict[str, Value] = dict(outer)
    values: dict[str, Value] = {}
    defaulted: set[str] = set()
    for param in params:
        argument = given.get(param.name)
        if argument is not None:
            value, check_span = argument.value, argument.value_span
            if _equals_default(param, value, env):
                defaulted.add(param.name)
        elif param.default is not None:
            value, check_span = evaluate(param.default, env, sink), param.default.span
            defaulted.add(param.name)
        else:
            sink.fail(M.MISSING_ARGUMENT, call.span, callee=callee, name=param.name)
        problem = param_type_problem(param, value, env)
        if problem is not None:
            expected, got = problem
            sink.fail(
                M.BAD_TYPE,
                check_span,
                what=f"parameter '{param.name}'",
                expected=expected,
                got=got,
            )
        env[param.name] = values[param.name] = value
    return BoundArgs(callee, values, given, frozenset(defaulted))


def _equals_default(param: ast.Param, value: Value, env: Mapping[str, Value]) -> bool:
    """Whether a given value is the parameter's default (``JumpGroup(32, 3, 1)``'s 1)."""
    if param.default is None:
        return False
    try:
        default = evaluate(param.default, env, DiagnosticSink())
    except Reported:
        return False
    return type(default) is type(value) and default == value


def is_reserved(name: str) -> bool:
    """Whether ``name`` is a keyword or a constant, which no value may be named (a section's
    name may: ``let stem = [32, 64]``, as docs/language.md allows)."""
    return (name in keywords() and name not in SECTIONS) or name in CONSTANTS


def check_params(params: Sequence[ast.Param], sink: DiagnosticSink) -> None:
    """Report what is wrong in a parameter list itself, once, where it is defined: a name
    given twice (the last would win) or reserved, a type that does not exist (with a
    suggestion)."""
    first: dict[str, ast.Param] = {}
    for param in params:
        if is_reserved(param.name):
            sink.report(M.RESERVED_WORD, param.span, name=param.name, what="parameter")
        if param.name in first:
            label = Label(first[param.name].span, M.NOTE_FIRST_DEFINED)
            sink.report(
                M.DUPLICATE_NAME, param.span, labels=(label,), what="parameter", name=param.name
            )
        first.setdefault(param.name, param)
        for t in unknown_types(param.type) if param.type is not None else ():
            hint = did_you_mean(t.name, TYPE_NAMES)
            sink.report(M.UNKNOWN_TYPE, t.span, hint=hint, name=t.name)
        if is_tensor_param(param) and param.default is not None:
            sink.report(M.TENSOR_PARAM_DEFAULT, param.default.span, name=param.name)


def is_tensor_param(param: ast.Param) -> bool:
    """Whether the parameter takes a named tensor (``skipped: tensor``)."""
    return param.type is not None and param.type.name == "tensor"


def param_type_problem(
    param: ast.Param, value: Value, env: Mapping[str, Value]
) -> tuple[str, str] | None:
    """(expected, got) when ``value`` does not fit the parameter's type, else None. Without a
    declared type the default's type is expected (a default without a value checks nothing)."""
    if param.type is not None and unknown_types(param.type):
        return None  # reported where the parameter is defined (check_params)
    if param.type is not None:
        ok, expected = conforms(value, param.type), type_text(param.type)
    elif param.default is not None:
        try:
            default = evaluate(param.default, env, DiagnosticSink())
        except Reported:
            return None
        ok, expected = infer_conforms(value, default), type_name(default)
    else:
        return None
    return None if ok else (expected, show_typed(value))


def bind_network(
    network: ast.Network,
    file_env: Mapping[str, Value],
    overrides: Mapping[str, tuple[Value, Span | None]],
    sink: DiagnosticSink,
) -> dict[str, Value] | None:
    """The network's parameters from ``--set`` (``overrides``) or their defaults, checked;
    None when one is missing or wrong (every problem reported)."""
    names = [p.name for p in network.params]
    check_params(network.params, sink)
    for param in network.params:
        if is_tensor_param(param):
            sink.report(M.NETWORK_TENSOR_PARAM, param.span, name=param.name)
            return None
    ok = True
    for name, (_, span) in overrides.items():
        if name not in names:
            hint = did_you_mean(name, names) or M.takes_parameters(network.name, names)
            sink.report(M.NO_SUCH_PARAMETER, span, hint=hint, network=network.name, name=name)
            ok = False
    env = dict(file_env)
    for param in network.params:
        value = _network_param(param, env, overrides, sink)
        if value is _MISSING:
            ok = False
        else:
            env[param.name] = value
    return env if ok else None


_MISSING: Value = Symbol("<missing>")


def _network_param(
    param: ast.Param,
    env: dict[str, Value],
    overrides: Mapping[str, tuple[Value, Span | None]],
    sink: DiagnosticSink,
) -> Value:
    if param.name in overrides:
        value, span = overrides[param.name]
        try:
            check_bounds(value, span, sink, f"parameter '{param.name}'")
        except Reported:
            return _MISSING
        problem = param_type_problem(param, value, env)
        if problem is None:
            return value
        sink.report(
            M.OVERRIDE_WRONG_TYPE,
            span,
            name=param.name,
            value=show_value(value),
            expected=problem[0],
            got=problem[1],
            declared=param.span.describe(),
        )
        return _MISSING
    if param.default is None:
        sink.report(M.PARAMETER_WITHOUT_VALUE, param.span, name=param.name)
        return _MISSING
    try:
        value = evaluate(param.default, env, sink)
    except Reported:
        return _MISSING
    problem = param_type_problem(param, value, env)
    if problem is not None:
        sink.report(
            M.BAD_TYPE,
            param.default.span,
            what=f"parameter '{param.name}'",
            expected=problem[0],
            got=problem[1],
        )
        return _MISSING
    return value
