"""Evaluation of .jnet expressions: pure, total, no code execution.

A name that is not bound evaluates to a :class:`Symbol` (``same``, ``he_normal``), and a call
of an initialisation scheme to an :class:`~jumpdsl.ir.values.Init` (``normal(0.01)``, see
:mod:`jumpdsl.ops.init`); whoever uses the value decides whether it is acceptable there. An
expression without a value is reported to the sink, and evaluation unwinds with
:class:`jumpdsl.diagnostics.Reported`.

>>> from jumpdsl.diagnostics import DiagnosticSink, Reported
>>> from jumpdsl.source import Span
>>> from jumpdsl.syntax import ast
>>> s = Span("x", 1, 1, 1, 2)
>>> evaluate(ast.BinOp("//", ast.Var("c", s), ast.Int(16, s), s), {"c": 256}, DiagnosticSink())
16
"""

from __future__ import annotations

import contextvars
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink, Reported
from jumpdsl.ir.values import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_INT,
    Function,
    Init,
    Symbol,
    Unset,
    Value,
    show_typed,
    show_value,
    type_name,
)
from jumpdsl.messages import Message, did_you_mean
from jumpdsl.ops.init import ALIASES, SCHEMES
from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_CALLS",
    "MAX_CALL_DEPTH",
    "MAX_SEQUENCE",
    "check_bounds",
    "evaluate",
    "power",
]

# Longest list a spec may build (range, list repetition): keeps a typo from eating memory.
MAX_SEQUENCE = 100_000

CONSTANTS: dict[str, Value] = {"true": True, "false": False}

# User functions (``fn``): how deep calls may nest, and how many one evaluation may make (a
# chain of functions each calling the one before twice would otherwise take 2**n steps).
MAX_CALL_DEPTH = 12
MAX_CALLS = 10_000
# Calls left and depth, for the evaluation under way (one per thread or task, never shared).
_CALLS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("_CALLS", default=None)


class _Unset(Exception):
    """A use of a name whose ``let`` failed: reported there already, so nothing more here."""


class _Failed(Exception):
    """A builtin's or operator's failure, before the evaluator reports it at its place."""

    def __init__(self, message: Message, span: Span | None, hint: str | None = None, **fields: Any):
        super().__init__(message.code.code)
        self.message, self.span, self.hint, self.fields = message, span, hint, fields


def _number(value: Value, span: Span, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, Symbol):
            raise _Failed(M.UNKNOWN_NAME, span, what="name", name=value.name)
        raise _Failed(M.NEEDS_NUMBER, span, what=what, got=show_typed(value))
    return value


def _range(span: Span, *args: Value) -> list[int]:
    if not 1 <= len(args) <= 3 or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in args
    ):
        raise _Failed(M.RANGE_ARGUMENTS, span)
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
    if step == 0:
        raise _Failed(M.RANGE_STEP_ZERO, span)
    # Counted by hand: len(range(...)) overflows past sys.maxsize.
    length = max(0, (stop - start + step - (1 if step > 0 else -1)) // step)  # type: ignore[operator]
    if length > MAX_SEQUENCE:
        raise _Failed(M.RANGE_TOO_LONG, span, length=length, limit=MAX_SEQUENCE)
    return list(range(start, stop, step))  # type: ignore[arg-type]


def _len(span: Span, *args: Value) -> int:
    if len(args) != 1 or not isinstance(args[0], (list, tuple, str)):
        raise _Failed(M.LEN_ARGUMENT, span)
    return len(args[0])


def _numeric(name: str, fn: Callable[..., Any], arity: tuple[int, int]) -> Callable[..., Value]:
    def call(span: Span, *args: Value) -> Value:
        if len(args) == 1 and isinstance(args[0], (list, tuple)) and name in ("min", "max"):
            args = tuple(args[0])
        if not arity[0] <= len(args) <= arity[1]:
            raise _Failed(
                M.FUNCTION_ARITY, span, name=name, least=arity[0], most=arity[1], given=len(args)
            )
        numbers = [_number(a, span, name) for a in args]
        if name in ("min", "max"):
            return fn(numbers)  # type: ignore[no-any-return]  # one number is its own max
        if name == "round" and len(numbers) == 2:
            numbers[1] = _round_digits(numbers[1], span)
        try:
            return fn(*numbers)  # type: ignore[no-any-return]
        except (OverflowError, ValueError):  # defensive: values are finite and within int64
            raise _Failed(M.NUMBER_OUT_OF_RANGE, span, what=f"{name}()") from None

    return call


def power(base: int | float, exponent: int | float, span: Span) -> int | float:
    """``base ** exponent`` within the value bounds, refused before it is computed when too
    large (``2 ** 10**18`` answers at once); int ** negative int is a float, as in Python."""
    if isinstance(base, int) and isinstance(exponent, int):
        if exponent >= 0:
            if abs(base) >= 2 and exponent * (abs(base).bit_length() - 1) > 63:
                raise _Failed(M.INTEGER_OUT_OF_RANGE, span, what="'**'", limit=MAX_INT)
            return base**exponent
        if base == 0:
            raise _Failed(M.DIVISION_BY_ZERO, span)
    x, y = float(base), float(exponent)
    if x == 0 and y < 0:
        raise _Failed(M.DIVISION_BY_ZERO, span)
    if x < 0 and not y.is_integer():
        why = "a negative number has no real power that is not whole"
        raise _Failed(M.MATH_DOMAIN, span, what="'**'", value=f"{base} ** {exponent}", why=why)
    try:
        return math.pow(x, y)
    except OverflowError:
        raise _Failed(M.FLOAT_NOT_FINITE, span, what="'**'") from None


def _pow(span: Span, *args: Value) -> Value:
    if len(args) != 2:
        raise _Failed(M.FUNCTION_ARITY, span, name="pow", least=2, most=2, given=len(args))
    return power(_number(args[0], span, "pow"), _number(args[1], span, "pow"), span)


def _positive(name: str, value: int | float, span: Span) -> float:
    if value <= 0:
        why = f"{name} is defined for numbers above 0"
        raise _Failed(M.MATH_DOMAIN, span, what=f"{name}()", value=show_value(value), why=why)
    return math.log(value)  # exact for ints of any size, unlike log(float(x))


def _log(span: Span, *args: Value) -> Value:
    if not 1 <= len(args) <= 2:
        raise _Failed(M.FUNCTION_ARITY, span, name="log", least=1, most=2, given=len(args))
    numbers = [_number(a, span, "log") for a in args]
    result = _positive("log", numbers[0], span)
    if len(numbers) == 1:
        return result
    base = _positive("log's base", numbers[1], span)
    if base == 0:
        why = "a logarithm's base must not be 1"
        raise _Failed(M.MATH_DOMAIN, span, what="log()", value="base 1", why=why)
    return result / base


def _log2(span: Span, *args: Value) -> Value:
    if len(args) != 1:
        raise _Failed(M.FUNCTION_ARITY, span, name="log2", least=1, most=1, given=len(args))
    value = _number(args[0], span, "log2")
    _positive("log2", value, span)
    return math.log2(value)


def _sqrt(span: Span, *args: Value) -> Value:
    if len(args) != 1:
        raise _Failed(M.FUNCTION_ARITY, span, name="sqrt", least=1, most=1, given=len(args))
    value = _number(args[0], span, "sqrt")
    if value < 0:
        why = "sqrt is defined for numbers from 0 up"
        raise _Failed(M.MATH_DOMAIN, span, what="sqrt()", value=show_value(value), why=why)
    return math.sqrt(value)


def _exp(span: Span, *args: Value) -> Value:
    if len(args) != 1:
        raise _Failed(M.FUNCTION_ARITY, span, name="exp", least=1, most=1, given=len(args))
    try:
        return math.exp(_number(args[0], span, "exp"))
    except OverflowError:
        raise _Failed(M.FLOAT_NOT_FINITE, span, what="exp()") from None


def _int(span: Span, *args: Value) -> Value:
    """int(): numbers as Python truncates them, and true/false as 1/0."""
    if len(args) == 1 and isinstance(args[0], bool):
        return int(args[0])
    return _INT_OF_NUMBER(span, *args)


def _round_digits(digits: int | float, span: Span) -> int:
    """round()'s second argument, clamped: past ±400 digits every finite float and int64 rounds
    the same, and round(5, -10**18) would build 10**(10**18)."""
    if not isinstance(digits, int):
        raise _Failed(M.NEEDS_NUMBER, span, what="round's digits", got=show_typed(digits))
    return max(-400, min(400, digits))


def check_bounds(value: Value, span: Span | None, sink: DiagnosticSink, what: str) -> None:
    """Report (and unwind with ``Reported``) a value from outside that breaks the bounds: a
    parameter given from Python (``jumpdsl.load(path, width=10**30)``)."""
    try:
        _bounded(value, span, what)
    except _Failed as err:
        _fail(err, {}, sink)


def _bounded(value: Value, span: Span | None, what: str) -> Value:
    """``value`` when it lies within the value bounds (values.py); else a diagnostic that names
    the bound. Every computed value passes here, so no value a spec holds breaks them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise _Failed(M.INTEGER_OUT_OF_RANGE, span, what=what, limit=MAX_INT)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Failed(M.FLOAT_NOT_FINITE, span, what=what)
    elif isinstance(value, (list, tuple)):
        _measure(value, span, 1)
    return value


def _measure(value: list[Value] | tuple[Value, ...], span: Span | None, depth: int) -> int:
    """The items in ``value``, nested ones counted each time they appear (what printing or
    comparing it walks); a diagnostic past MAX_ELEMENTS or MAX_DEPTH. Stops at the limit, so a
    value built of itself costs no more than the limit."""
    if depth > MAX_DEPTH:
        raise _Failed(M.VALUE_TOO_DEEP, span, limit=MAX_DEPTH)
    total = len(value)
    for item in value:
        if total > MAX_ELEMENTS:
            break
        if isinstance(item, (list, tuple)):
            total += _measure(item, span, depth + 1)
    if total > MAX_ELEMENTS:
        raise _Failed(M.VALUE_TOO_LARGE, span, limit=MAX_ELEMENTS)
    return total


_INT_OF_NUMBER = _numeric("int", int, (1, 1))

FUNCTIONS: dict[str, Callable[..., Value]] = {
    "range": _range,
    "len": _len,
    "min": _numeric("min", min, (1, MAX_SEQUENCE)),
    "max": _numeric("max", max, (1, MAX_SEQUENCE)),
    "abs": _numeric("abs", abs, (1, 1)),
    "int": _int,
    "float": _numeric("float", float, (1, 1)),
    "round": _numeric("round", round, (1, 2)),
    "ceil": _numeric("ceil", math.ceil, (1, 1)),
    "floor": _numeric("floor", math.floor, (1, 1)),
    "pow": _pow,
    "log": _log,
    "log2": _log2,
    "exp": _exp,
    "sqrt": _sqrt,
}

_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _truth(value: Value, span: Span) -> bool:
    if not isinstance(value, bool):
        raise _Failed(M.CONDITION_NOT_BOOL, span, value=show_value(value))
    return value


def _binop(expr: ast.BinOp, left: Value, right: Value) -> Value:
    op = expr.op
    if op == "+" and isinstance(left, list) and isinstance(right, list):
        result = left + right
    elif op == "*" and isinstance(left, list) and isinstance(right, int):
        if len(left) * right > MAX_SEQUENCE:
            raise _Failed(M.LIST_TOO_LONG, expr.span, length=len(left) * right, limit=MAX_SEQUENCE)
        result = left * right
    else:
        a = _number(left, expr.left.span, f"'{op}'")
        b = _number(right, expr.right.span, f"'{op}'")
        if op in ("/", "//", "%") and b == 0:
            raise _Failed(M.DIVISION_BY_ZERO, expr.right.span)
        if op == "**":
            return _bounded(power(a, b, expr.span), expr.span, "'**'")
        try:
            result = _ARITH[op](a, b)
        except OverflowError:  # an int too large for a float (int / int): out of range
            raise _Failed(M.FLOAT_NOT_FINITE, expr.span, what=f"'{op}'") from None
    return _bounded(result, expr.span, f"'{op}'")


def _index(expr: ast.Index, target: Value, index: Value) -> Value:
    if not isinstance(target, (list, tuple)):
        raise _Failed(M.NOT_INDEXABLE, expr.target.span, type=type_name(target))
    if isinstance(index, bool) or not isinstance(index, int):
        raise _Failed(M.INDEX_NOT_INT, expr.index.span, value=show_value(index))
    if not -len(target) <= index < len(target):
        raise _Failed(
            M.INDEX_OUT_OF_RANGE,
            expr.index.span,
            index=index,
            value=show_value(target),
            length=len(target),
        )
    return target[index]  # type: ignore[no-any-return]


def evaluate(expr: ast.Expr, env: Mapping[str, Value], sink: DiagnosticSink) -> Value:
    """The value of ``expr`` with the variables in ``env``; a failure is reported to ``sink``
    (an unknown name with a suggestion from ``env``) and unwinds with ``Reported``."""
    try:
        return _value(expr, env)
    except _Failed as err:
        _fail(err, env, sink)
    except _Unset:
        raise Reported from None
    except RecursionError:  # defensive: nesting and call depth are bounded well below this
        sink.fail(M.FUNCTION_TOO_DEEP, expr.span, limit=MAX_CALL_DEPTH)


def _fail(err: _Failed, env: Mapping[str, Value], sink: DiagnosticSink) -> NoReturn:
    hint = err.hint
    if err.message is M.UNKNOWN_NAME and hint is None:
        hint = did_you_mean(err.fields.get("name", ""), env)
    sink.fail(err.message, err.span, hint=hint, **err.fields)


def _bound(var: ast.Var, value: Value) -> Value:
    """A variable's value; a name whose ``let`` failed or comes later has none."""
    if not isinstance(value, Unset):
        return value
    if value.defined_at is None:
        raise _Unset
    line = value.defined_at.line
    raise _Failed(M.USED_BEFORE_DEFINITION, var.span, name=var.name, line=line)


def _value(expr: ast.Expr, env: Mapping[str, Value]) -> Value:
    if isinstance(expr, (ast.Int, ast.Float, ast.Str)):
        return expr.value
    if isinstance(expr, ast.Size):
        return expr.value
    if isinstance(expr, ast.Var):
        if expr.name in env:
            return _bound(expr, env[expr.name])
        return CONSTANTS.get(expr.name, Symbol(expr.name))
    if isinstance(expr, ast.ListLit):
        return _bounded([_value(item, env) for item in expr.items], expr.span, "list")
    if isinstance(expr, ast.TupleLit):
        return _bounded(tuple(_value(item, env) for item in expr.items), expr.span, "tuple")
    if isinstance(expr, ast.Index):
        return _index(expr, _value(expr.target, env), _value(expr.index, env))
    if isinstance(expr, ast.BinOp):
        return _binop(expr, _value(expr.left, env), _value(expr.right, env))
    if isinstance(expr, ast.Neg):
        negated = -_number(_value(expr.operand, env), expr.operand.span, "'-'")
        return _bounded(negated, expr.span, "'-'")
    if isinstance(expr, ast.Not):
        return not _truth(_value(expr.operand, env), expr.operand.span)
    if isinstance(expr, ast.BoolOp):
        left = _truth(_value(expr.left, env), expr.left.span)
        if (expr.op == "and") != left:  # short circuit: false and …, true or …
            return left
        return _truth(_value(expr.right, env), expr.right.span)
    if isinstance(expr, ast.Compare):
        lhs, rhs = _value(expr.left, env), _value(expr.right, env)
        if expr.op in ("==", "!="):
            return _COMPARE[expr.op](lhs, rhs)
        return _COMPARE[expr.op](
            _number(lhs, expr.left.span, expr.op), _number(rhs, expr.right.span, expr.op)
        )
    if isinstance(expr, ast.Cond):
        chosen = expr.then if _truth(_value(expr.cond, env), expr.cond.span) else expr.orelse
        return _value(chosen, env)
    if isinstance(expr, ast.Func):
        if expr.name in env and _names_a_function(expr.name, env[expr.name]):
            return _call_user(expr, env)
        fn = FUNCTIONS.get(expr.name)
        if fn is None and (expr.name in SCHEMES or expr.name in ALIASES):
            # An initialisation: the attribute that receives it checks its arguments.
            return Init(expr.name, tuple(_value(arg, env) for arg in expr.args))
        if fn is None:
            hint = did_you_mean(expr.name, [*FUNCTIONS, *SCHEMES])
            raise _Failed(M.UNKNOWN_NAME, expr.span, hint, what="function", name=expr.name)
        result = fn(expr.span, *(_value(arg, env) for arg in expr.args))
        return _bounded(result, expr.span, f"{expr.name}()")
    raise TypeError(f"not an expression: {expr!r}")


def _names_a_function(name: str, value: Value) -> bool:
    """Whether a call of ``name`` is a call of the ``fn`` (or the failed or later one) that the
    variable holds; a value that only shares a built-in's name (``let max = 3``) leaves
    ``max(a, b)`` the built-in."""
    builtin = name in FUNCTIONS or name in SCHEMES or name in ALIASES
    return isinstance(value, Function) or not builtin


def _call_user(expr: ast.Func, env: Mapping[str, Value]) -> Value:
    """A call of a ``fn``: its parameters bound (defaults may read earlier ones), its lets read
    in turn, then its result; every call counted against the evaluation's limits."""
    fn = env[expr.name]
    if isinstance(fn, Unset):
        _bound(ast.Var(expr.name, expr.span), fn)
    if not isinstance(fn, Function):
        raise _Failed(M.NOT_A_FUNCTION, expr.span, name=expr.name, type=type_name(fn))
    args = [_value(arg, env) for arg in expr.args]
    budget = _CALLS.get()
    token = _CALLS.set([MAX_CALLS, 0]) if budget is None else None
    budget = _CALLS.get()
    assert budget is not None
    try:
        budget[0] -= 1
        budget[1] += 1
        if budget[0] < 0:
            raise _Failed(M.FUNCTION_TOO_MANY_CALLS, expr.span, limit=MAX_CALLS)
        if budget[1] > MAX_CALL_DEPTH:
            raise _Failed(M.FUNCTION_TOO_DEEP, expr.span, limit=MAX_CALL_DEPTH)
        local = _bind_function(fn, args, expr)
        for let in fn.node.lets:
            local[let.name] = _value(let.value, local)
        return _value(fn.node.result, local)
    finally:
        budget[1] -= 1
        if token is not None:
            _CALLS.reset(token)


def _bind_function(fn: Function, args: list[Value], expr: ast.Func) -> dict[str, Value]:
    params = fn.node.params
    required = sum(p.default is None for p in params)
    if not required <= len(args) <= len(params):
        takes = (
            f"{required} to {len(params)} arguments"
            if required < len(params)
            else (f"{len(params)} argument" + ("" if len(params) == 1 else "s"))
        )
        usage = f"{fn.name}({', '.join(p.name for p in params)})"
        raise _Failed(
            M.FUNCTION_ARGUMENTS, expr.span, name=fn.name, takes=takes, given=len(args), usage=usage
        )
    local = dict(fn.env)
    for param, arg in zip(params, args, strict=False):
        local[param.name] = arg
    for param in params[len(args) :]:
        assert param.default is not None
        local[param.name] = _value(param.default, local)
    return local
