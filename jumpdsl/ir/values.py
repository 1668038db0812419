"""Run-time values of the expression language and how they are shown to users."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from jumpdsl.source import Span
from jumpdsl.syntax import ast

__all__ = [
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_INT",
    "MAX_SHOWN",
    "Function",
    "Init",
    "Symbol",
    "TensorRef",
    "Unset",
    "Value",
    "show_typed",
    "show_value",
    "type_name",
]

# The bounds on every value a spec computes (docs/language.md, "Value bounds"): integers within
# int64, so a size always fits a tensor's dimension and a repeated square stops at once.
MAX_INT = 2**63 - 1
# Items in one value, each nested item counted every time it appears: a list built of itself
# (``let a = [a, a]``) is as large as it prints, and printing or comparing it stays bounded.
MAX_ELEMENTS = 100_000
# Nesting of lists and tuples in one value (real specs nest two or three deep).
MAX_DEPTH = 32
# Characters of a value quoted in a message; the rest is shown as '…'.
MAX_SHOWN = 200


@dataclass(frozen=True)
class Symbol:
    """A bare word that is not a variable: ``same``, ``he_normal``, ``nearest``."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class TensorRef:
    """A named tensor passed to a template's ``tensor`` parameter (``Up(64, enc[2])``): its
    name as written and the node that made it."""

    name: str
    node: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Init:
    """An initialisation: a scheme and its arguments, as a call writes it
    (``kaiming_normal(fan_out)``) or as an op's checker completes it (see
    :mod:`jumpdsl.ops.init`).

    >>> str(Init("normal", (0.01,))), str(Init("zeros"))
    ('normal(0.01)', 'zeros')
    """

    scheme: str
    args: tuple[Value, ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.scheme
        return f"{self.scheme}({', '.join(show_value(a) for a in self.args)})"


@dataclass(frozen=True)
class Unset:
    """A name bound to no value: its ``let`` failed (reported already, so a use says nothing
    more), or, with ``defined_at``, the ``let`` comes later in the file than the use."""

    name: str
    defined_at: Span | None = None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False)
class Function:
    """A ``fn`` definition with the values it sees where it is defined (``env``: the lets and
    functions above it, so it cannot call itself, directly or through another)."""

    node: ast.Function
    env: Mapping[str, Value]

    @property
    def name(self) -> str:
        return self.node.name

    def __str__(self) -> str:
        return f"fn {self.node.name}"

    def __repr__(self) -> str:
        return f"Function({self.node.name!r})"


Value = int | float | bool | str | Symbol | Init | Unset | TensorRef | Function | list | tuple


def type_name(value: object) -> str:
    """The language's name for a value's type.

    >>> type_name(3), type_name([1, 2]), type_name((3, 3)), type_name(Symbol("same"))
    ('int', 'list', 'tuple', 'word')
    """
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, Symbol):
        return "word"
    if isinstance(value, Init):
        return "init"
    if isinstance(value, Function):
        return "function"
    if isinstance(value, TensorRef):
        return "tensor"
    if isinstance(value, list):
        return "list"
    if isinstance(value, tuple):
        return "tuple"
    return type(value).__name__


def show_value(value: object, limit: int = MAX_SHOWN) -> str:
    """A value written back in .jnet syntax, cut to about ``limit`` characters with '…' (the
    pieces are made only until the limit is reached, so a large value costs no more).

    >>> show_value([(32, 3), (64, 4)]), show_value(True), show_value(1e-3)
    ('[(32, 3), (64, 4)]', 'true', '0.001')
    >>> show_value(list(range(100)), limit=12)
    '[0, 1, 2, 3,…'
    """
    pieces: list[str] = []
    length = 0
    for piece in _pieces(value):
        pieces.append(piece)
        length += len(piece)
        if length > limit:
            return "".join(pieces)[:limit] + "…"
    return "".join(pieces)


def _pieces(value: object) -> Iterator[str]:
    if isinstance(value, bool):
        yield "true" if value else "false"
    elif isinstance(value, str):
        yield f'"{value}"'
    elif isinstance(value, (list, tuple)):
        yield "[" if isinstance(value, list) else "("
        for i, item in enumerate(value):
            if i:
                yield ", "
            yield from _pieces(item)
        yield "]" if isinstance(value, list) else ",)" if len(value) == 1 else ")"
    else:
        yield str(value)


def show_typed(value: object) -> str:
    """A value with its type, as messages quote what they got.

    >>> show_typed(3.5), show_typed([1])
    ('float 3.5', 'list [1]')
    """
    return f"{type_name(value)} {show_value(value)}"
