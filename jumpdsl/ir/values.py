"""Run-time values of the expression language and how they are shown to users."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Init", "Symbol", "Value", "show_typed", "show_value", "type_name"]


@dataclass(frozen=True)
class Symbol:
    """A bare word that is not a variable: ``same``, ``he_normal``, ``nearest``."""

    name: str

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


Value = int | float | bool | str | Symbol | Init | list | tuple


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
    if isinstance(value, list):
        return "list"
    if isinstance(value, tuple):
        return "tuple"
    return type(value).__name__


def show_value(value: object) -> str:
    """A value written back in .jnet syntax.

    >>> show_value([(32, 3), (64, 4)]), show_value(True), show_value(1e-3)
    ('[(32, 3), (64, 4)]', 'true', '0.001')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(show_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return str(value)


def show_typed(value: object) -> str:
    """A value with its type, as messages quote what they got.

    >>> show_typed(3.5), show_typed([1])
    ('float 3.5', 'list [1]')
    """
    return f"{type_name(value)} {show_value(value)}"
