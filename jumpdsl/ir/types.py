"""Parameter types: ``int``, ``float``, ``bool``, ``str``, ``word``, ``size``, ``any``,
``list[T]``, ``tuple[T1, T2, ...]`` and, for templates, ``tensor`` (a named tensor).

>>> from jumpdsl.source import Span
>>> s = Span("x", 1, 1, 1, 1)
>>> t = TypeRef("list", (TypeRef("tuple", (TypeRef("int", (), s), TypeRef("int", (), s)), s),), s)
>>> conforms([(32, 3), (64, 4)], t), conforms([32, 64], t)
(True, False)
"""

from __future__ import annotations

from jumpdsl.ir.values import Symbol, TensorRef, Value, type_name
from jumpdsl.syntax.ast import TypeRef

__all__ = ["TYPE_NAMES", "conforms", "infer_conforms", "unknown_types"]

TYPE_NAMES = ("any", "int", "float", "bool", "str", "word", "size", "list", "tuple", "tensor")


def unknown_types(t: TypeRef) -> list[TypeRef]:
    """The parts of ``t`` whose name is no type (``itn`` in ``list[itn]``)."""
    found = [] if t.name in TYPE_NAMES else [t]
    for arg in t.args:
        found += unknown_types(arg)
    return found


def _is_int(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def conforms(value: Value, t: TypeRef) -> bool:
    """Whether ``value`` is of type ``t`` (an int is also a float)."""
    name = t.name
    if name == "any":
        return not isinstance(value, TensorRef)  # a tensor only where a parameter says so
    if name == "tensor":
        return isinstance(value, TensorRef)
    if name == "int":
        return _is_int(value)
    if name == "float":
        return _is_int(value) or isinstance(value, float)
    if name == "bool":
        return isinstance(value, bool)
    if name == "str":
        return isinstance(value, (str, Symbol))
    if name == "word":
        return isinstance(value, (Symbol, str))
    if name == "size":
        return _is_int(value) or (
            isinstance(value, tuple) and len(value) == 2 and all(_is_int(v) for v in value)
        )
    if name == "list":
        return isinstance(value, list) and (
            not t.args or all(conforms(v, t.args[0]) for v in value)
        )
    if name == "tuple":
        if not isinstance(value, tuple):
            return False
        if not t.args:
            return True
        return len(value) == len(t.args) and all(
            conforms(v, a) for v, a in zip(value, t.args, strict=False)
        )
    return False


def infer_conforms(value: Value, default: Value) -> bool:
    """For a parameter without a type: the value must have the default's type (int → float ok)."""
    if isinstance(default, float) and _is_int(value):
        return True
    if isinstance(default, (Symbol, str)) and isinstance(value, (Symbol, str)):
        return True
    return type_name(value) == type_name(default)
