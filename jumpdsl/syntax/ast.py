"""The AST: frozen dataclasses, each with the span it came from.

The parser builds these and never validates; meaning (names, types, shapes) is the job of
:mod:`jumpdsl.ir.lower` and the passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jumpdsl.source import Span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Int:
    value: int
    span: Span


@dataclass(frozen=True)
class Float:
    value: float
    text: str  # as written (1e-3 stays 1e-3 in the formatter)
    span: Span


@dataclass(frozen=True)
class Size:
    """A literal such as ``3x3`` (height × width)."""

    value: tuple[int, int]
    text: str
    span: Span


@dataclass(frozen=True)
class Str:
    value: str
    span: Span


@dataclass(frozen=True)
class Var:
    name: str
    span: Span


@dataclass(frozen=True)
class ListLit:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class TupleLit:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Index:
    target: Expr
    index: Expr
    span: Span


@dataclass(frozen=True)
class Func:
    """A call of a built-in function inside an expression (``range(n)``, ``max(a, b)``)."""

    name: str
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class Neg:
    operand: Expr
    span: Span


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class Cond:
    """``if COND then A else B``: only the branch chosen is evaluated."""

    cond: Expr
    then: Expr
    orelse: Expr
    span: Span


Expr = (
    Int
    | Float
    | Size
    | Str
    | Var
    | ListLit
    | TupleLit
    | Index
    | Func
    | BinOp
    | Neg
    | Not
    | BoolOp
    | Compare
    | Cond
)

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Arg:
    name: str | None  # None for a positional argument
    value: Expr
    span: Span


@dataclass(frozen=True)
class Call:
    """``name``, ``name(args)`` or ``name(args) * count``: an op or a template instance."""

    name: str
    args: tuple[Arg, ...] | None  # None when written without parentheses
    count: Expr | None
    span: Span
    name_span: Span
    label: str | None = None  # ``conv(64, 7x7) "7×7 conv"``: what a figure calls it


@dataclass(frozen=True)
class Repeat:
    count: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True)
class Shortcut:
    """``skip|jump|gate MERGE [from NAME[INDEX]] [{ path }]``."""

    kind: str  # "skip" | "jump" | "gate"
    merge: str
    origin: str | None
    path: tuple[Stmt, ...] | None
    span: Span
    merge_span: Span
    origin_index: Expr | None = None  # `from enc[i]`: the index, evaluated by lowering


@dataclass(frozen=True)
class Branch:
    merge: str
    arms: tuple[tuple[Stmt, ...], ...]
    span: Span
    merge_span: Span


@dataclass(frozen=True)
class Target:
    name: str
    span: Span


@dataclass(frozen=True)
class TargetTuple:
    items: tuple[Target | TargetTuple, ...]
    span: Span


@dataclass(frozen=True)
class For:
    target: Target | TargetTuple
    iterable: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] | None
    span: Span
    else_span: Span | None = None  # the 'else' keyword: where the then-part's '}' stands


@dataclass(frozen=True)
class Let:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class Mark:
    """``as NAME`` or ``as NAME[INDEX]``: names the current tensor for a later ``from``."""

    name: str
    span: Span
    index: Expr | None = None  # `as enc[i]`: the index, evaluated by lowering


@dataclass(frozen=True)
class Output:
    """``output NAME [from TENSOR] [{ head }]``: a named output beside the main one; the
    current tensor goes on unchanged."""

    name: str
    origin: str | None
    head: tuple[Stmt, ...] | None
    span: Span


Stmt = Call | Repeat | Shortcut | Branch | For | If | Let | Mark | Output

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class TypeRef:
    name: str
    args: tuple[TypeRef, ...]
    span: Span


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeRef | None
    default: Expr | None
    span: Span


@dataclass(frozen=True)
class Template:
    """``block NAME(params) { ... }`` or ``group NAME(params) { ... }``."""

    kind: str  # "block" | "group"
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span
    name_span: Span
    label: str | None = None  # ``block Stem() "stem" { … }``: what figures call its instances


@dataclass(frozen=True)
class Section:
    name: str  # "stem" | "learner" | "task"
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True)
class Setting:
    path: tuple[str, ...]  # ("conv", "bias") or ("init",)
    value: Expr
    span: Span


@dataclass(frozen=True)
class Defaults:
    settings: tuple[Setting, ...]
    span: Span


@dataclass(frozen=True)
class InputDecl:
    shape: Expr
    span: Span


@dataclass(frozen=True)
class Use:
    """``use "PATH"``, or ``use "PATH" as NS``: the file's names then read ``NS.Name``."""

    path: str
    span: Span
    alias: str | None = None


@dataclass(frozen=True)
class Function:
    """``fn NAME(params) = expr`` or ``fn NAME(params) { let … return expr }``: a pure function
    of its parameters and of the values visible where it is defined."""

    name: str
    params: tuple[Param, ...]
    lets: tuple[Let, ...]
    result: Expr
    span: Span
    name_span: Span


NetItem = InputDecl | Defaults | Template | Section | Let | Function


@dataclass(frozen=True)
class Network:
    name: str
    params: tuple[Param, ...]
    items: tuple[NetItem, ...]
    span: Span
    name_span: Span


Item = Use | Template | Network | Let | Function


@dataclass(frozen=True)
class Comment:
    """A ``# ...`` comment; not part of the tree, kept for the formatter."""

    text: str
    span: Span


def walk(root: object) -> Iterator[tuple[object, int]]:
    """Every AST node under ``root`` with its depth, in source order, without recursion
    (so it is safe on trees too deep for Python's stack).

    >>> s = Span("x", 1, 1, 1, 2)
    >>> [(type(n).__name__, d) for n, d in walk(Neg(Int(1, s), s))]
    [('Neg', 0), ('Int', 1)]
    """
    stack: list[tuple[object, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple | list):
            stack.extend((item, depth) for item in reversed(node) if not isinstance(item, _LEAF))
            continue
        names = _CHILD_FIELDS.get(type(node))
        if names is None:
            names = _CHILD_FIELDS[type(node)] = _child_fields(node)
        if not names and not hasattr(node, "__dataclass_fields__"):
            continue
        yield node, depth
        for name in names:
            value = getattr(node, name)
            if not isinstance(value, _LEAF):
                stack.append((value, depth + 1))


def statements(root: object) -> Iterator[object]:
    """Every statement and top-level item under ``root``, in source order, without entering
    expressions (which hold most of a file's nodes) and without recursion.

    >>> s = Span("x", 1, 1, 1, 2)
    >>> body = (Repeat(Int(2, s), (Mark("a", s),), s),)
    >>> [type(n).__name__ for n in statements(Section("stem", body, s))]
    ['Section', 'Repeat', 'Mark']
    """
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(reversed(node))
            continue
        yield node
        for name in reversed(_BODIES.get(type(node), ())):
            body = getattr(node, name)
            if body is not None:
                stack.append(body)


# Values that are never AST nodes: walk() does not visit them.
_LEAF = (str, int, float, Span, type(None))
# An AST class's fields that may hold nodes (not its spans), last first: the walk's stack order.
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node: object) -> tuple[str, ...]:
    fields = getattr(node, "__dataclass_fields__", None)
    if fields is None or isinstance(node, Span):
        return ()
    return tuple(name for name in reversed(list(fields)) if not name.endswith("span"))


def structure(node: object) -> object:
    """The tree without positions: two parses with equal structure mean the same program.

    Used to check that the formatter changed layout only.
    """
    if isinstance(node, tuple | list):
        return tuple(structure(item) for item in node)
    fields = getattr(node, "__dataclass_fields__", None)
    if fields is None:
        return node
    kept = (name for name in fields if not name.endswith("span"))
    return (type(node).__name__, *(structure(getattr(node, name)) for name in kept))


@dataclass(frozen=True)
class Module:
    """One parsed file."""

    items: tuple[Item, ...]
    span: Span


# The fields that hold statements (or items), per class: what statements() descends into.
_BODIES: dict[type, tuple[str, ...]] = {
    Module: ("items",),
    Network: ("items",),
    Template: ("body",),
    Section: ("body",),
    Repeat: ("body",),
    Shortcut: ("path",),
    Branch: ("arms",),
    For: ("body",),
    If: ("then", "orelse"),
    Output: ("head",),
}
