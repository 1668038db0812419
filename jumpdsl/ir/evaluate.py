"""Evaluation of .jnet expressions: pure, total, no code execution.

A name that is not bound evaluates to a :class:`Symbol` (``same``, ``he_normal``); whoever uses
the value decides whether a word is acceptable there.

>>> from jumpdsl.syntax.parser import parse
>>> from jumpdsl.source import SourceFile, Span
>>> from jumpdsl.syntax import ast
>>> s = Span("x", 1, 1, 1, 2)
>>> evaluate(ast.BinOp("//", ast.Var("c", s), ast.Int(16, s), s), {"c": 256})
16
"""

from __future__ import annotations

import difflib
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jumpdsl import diagnostics as D
from jumpdsl.diagnostics import Code
from jumpdsl.ir.values import Symbol, Value, show_value, type_name
from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_SEQUENCE", "EvalError", "evaluate", "suggest"]

# Longest list a spec may build (range, list repetition): keeps a typo from eating memory.
MAX_SEQUENCE = 100_000

CONSTANTS: dict[str, Value] = {"true": True, "false": False}


class EvalError(Exception):
    """An expression that has no value; carries what the diagnostic needs."""

    def __init__(self, code: Code, span: Span, hint: str | None = None, **fields: Any) -> None:
        super().__init__(code.code)
        self.code = code
        self.span = span
        self.hint = hint
        self.fields = fields


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None.

    >>> suggest("cnov", ["conv", "bn", "relu"])
    "did you mean 'conv'?"
    """
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def _bad(span: Span, message: str, hint: str | None = None) -> EvalError:
    return EvalError(D.BAD_VALUE, span, hint, message=message)


def _number(value: Value, span: Span, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, Symbol):
            raise EvalError(D.UNKNOWN_NAME, span, None, what="name", name=value.name)
        raise _bad(span, f"{what} needs a number, got {type_name(value)} {show_value(value)}")
    return value


def _range(span: Span, *args: Value) -> list[int]:
    if not 1 <= len(args) <= 3 or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in args
    ):
        raise _bad(span, "range takes one to three integers")
    values = range(*args)  # type: ignore[arg-type]
    if len(values) > MAX_SEQUENCE:
        raise _bad(span, f"range of {len(values):,} items is over the limit of {MAX_SEQUENCE:,}")
    return list(values)


def _len(span: Span, *args: Value) -> int:
    if len(args) != 1 or not isinstance(args[0], (list, tuple, str)):
        raise _bad(span, "len takes one list, tuple or string")
    return len(args[0])


def _numeric(name: str, fn: Callable[..., Any], arity: tuple[int, int]) -> Callable[..., Value]:
    def call(span: Span, *args: Value) -> Value:
        if len(args) == 1 and isinstance(args[0], (list, tuple)) and name in ("min", "max"):
            args = tuple(args[0])
        if not arity[0] <= len(args) <= arity[1]:
            raise _bad(span, f"{name} takes {arity[0]} to {arity[1]} arguments, got {len(args)}")
        numbers = [_number(a, span, name) for a in args]
        if name in ("min", "max"):
            return fn(numbers)  # type: ignore[no-any-return]  # one number is its own max
        return fn(*numbers)  # type: ignore[no-any-return]

    return call


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "range": _range,
    "len": _len,
    "min": _numeric("min", min, (1, MAX_SEQUENCE)),
    "max": _numeric("max", max, (1, MAX_SEQUENCE)),
    "abs": _numeric("abs", abs, (1, 1)),
    "int": _numeric("int", int, (1, 1)),
    "float": _numeric("float", float, (1, 1)),
    "round": _numeric("round", round, (1, 2)),
    "ceil": _numeric("ceil", math.ceil, (1, 1)),
    "floor": _numeric("floor", math.floor, (1, 1)),
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
        raise _bad(span, f"a condition must be true or false, got {show_value(value)}")
    return value


def _binop(expr: ast.BinOp, left: Value, right: Value) -> Value:
    op = expr.op
    if op == "+" and isinstance(left, list) and isinstance(right, list):
        result = left + right
    elif op == "*" and isinstance(left, list) and isinstance(right, int):
        if len(left) * right > MAX_SEQUENCE:
            raise _bad(expr.span, f"list of {len(left) * right} items is over the limit")
        result = left * right
    else:
        a = _number(left, expr.left.span, f"'{op}'")
        b = _number(right, expr.right.span, f"'{op}'")
        if op in ("/", "//", "%") and b == 0:
            raise _bad(expr.right.span, "division by zero")
        result = _ARITH[op](a, b)
    return result  # type: ignore[no-any-return]


def _index(expr: ast.Index, target: Value, index: Value) -> Value:
    if not isinstance(target, (list, tuple)):
        raise _bad(
            expr.target.span, f"only lists and tuples can be indexed, not {type_name(target)}"
        )
    if isinstance(index, bool) or not isinstance(index, int):
        raise _bad(expr.index.span, f"an index must be an integer, got {show_value(index)}")
    if not -len(target) <= index < len(target):
        raise _bad(
            expr.index.span,
            f"index {index} is out of range for {show_value(target)} ({len(target)} items)",
        )
    return target[index]  # type: ignore[no-any-return]


def evaluate(expr: ast.Expr, env: Mapping[str, Value]) -> Value:
    """The value of ``expr`` with the variables in ``env``; raises :class:`EvalError`."""
    if isinstance(expr, (ast.Int, ast.Float, ast.Str)):
        return expr.value
    if isinstance(expr, ast.Size):
        return expr.value
    if isinstance(expr, ast.Var):
        if expr.name in env:
            return env[expr.name]
        return CONSTANTS.get(expr.name, Symbol(expr.name))
    if isinstance(expr, ast.ListLit):
        return [evaluate(item, env) for item in expr.items]
    if isinstance(expr, ast.TupleLit):
        return tuple(evaluate(item, env) for item in expr.items)
    if isinstance(expr, ast.Index):
        return _index(expr, evaluate(expr.target, env), evaluate(expr.index, env))
    if isinstance(expr, ast.BinOp):
        return _binop(expr, evaluate(expr.left, env), evaluate(expr.right, env))
    if isinstance(expr, ast.Neg):
        return -_number(evaluate(expr.operand, env), expr.operand.span, "'-'")
    if isinstance(expr, ast.Not):
        return not _truth(evaluate(expr.operand, env), expr.operand.span)
    if isinstance(expr, ast.BoolOp):
        left = _truth(evaluate(expr.left, env), expr.left.span)
        if (expr.op == "and") != left:  # short circuit: false and …, true or …
            return left
        return _truth(evaluate(expr.right, env), expr.right.span)
    if isinstance(expr, ast.Compare):
        lhs, rhs = evaluate(expr.left, env), evaluate(expr.right, env)
        if expr.op in ("==", "!="):
            return _COMPARE[expr.op](lhs, rhs)
        return _COMPARE[expr.op](
            _number(lhs, expr.left.span, expr.op), _number(rhs, expr.right.span, expr.op)
        )
    if isinstance(expr, ast.Func):
        fn = FUNCTIONS.get(expr.name)
        if fn is None:
            raise EvalError(
                D.UNKNOWN_NAME,
                expr.span,
                suggest(expr.name, FUNCTIONS),
                what="function",
                name=expr.name,
            )
        return fn(expr.span, *(evaluate(arg, env) for arg in expr.args))
    raise TypeError(f"not an expression: {expr!r}")
