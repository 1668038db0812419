"""Initialisation as data: the schemes a spec can name, their checker, and the ``torch.nn.init``
call each one is.

A scheme is a word (``zeros``, ``kaiming_normal``) or a call with arguments in order
(``kaiming_normal(fan_out)``, ``normal(0.01)``, ``constant(1)``). An op's entry says which of
its attributes initialise which of its tensors (``inits``); the backend and the standalone
export make the same ``torch.nn.init`` calls, in the same order, from the same table here.
The names jumpdsl had before stay: ``he_normal`` is ``kaiming_normal(fan_in, relu)``,
``glorot_uniform`` is ``xavier_uniform``, ``torch`` keeps PyTorch's own initialisation.

>>> weight = init_checker()
>>> weight(Symbol("he_normal")), weight(Init("kaiming_normal", (Symbol("fan_out"),)))
(Init(scheme='kaiming_normal', args=(Symbol(name='fan_in'), Symbol(name='relu'))), \
Init(scheme='kaiming_normal', args=(Symbol(name='fan_out'), Symbol(name='relu'))))
>>> torch_call(weight(Init("normal", (0.01,))))
('normal_', {'std': 0.01})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jumpdsl.ir.values import Init, Symbol, show_value
from jumpdsl.ops.attrs import number, positive_number
from jumpdsl.ops.core import REQUIRED, AttrError, Attrs

__all__ = [
    "ALIASES",
    "AUTO",
    "SCHEMES",
    "TORCH",
    "Scheme",
    "init_checker",
    "tensor_inits",
    "torch_call",
]


def _word(*choices: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Symbol:
        if isinstance(value, (Symbol, str)) and str(value) in choices:
            return Symbol(str(value))
        raise AttrError(" or ".join(choices), show_value(value), choices)

    return check


_MODE = _word("fan_in", "fan_out")
_NONLINEARITY = _word("relu", "linear", "sigmoid", "tanh", "selu")


@dataclass(frozen=True)
class Scheme:
    """One scheme: its arguments (name, checker, default or REQUIRED) in order, the
    ``torch.nn.init`` function (None: PyTorch's own initialisation) and how the arguments
    become its keywords. ``fan``: it reads fan-in or fan-out, so it needs a kernel (2+ dims)."""

    name: str
    params: tuple[tuple[str, Callable[[Any], Any], Any], ...]
    torch: str | None
    keywords: Callable[[tuple[Any, ...]], dict[str, Any]]
    doc: str
    fan: bool = False
    example: str = ""  # as a spec writes it (for the docs and the tests); default: the name

    def written(self) -> str:
        """An example of the scheme as a spec writes it."""
        return self.example or self.name

    def usage(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(p[0] for p in self.params)})"


def _none(args: tuple[Any, ...]) -> dict[str, Any]:
    return {}


def _kaiming(args: tuple[Any, ...]) -> dict[str, Any]:
    return {"mode": str(args[0]), "nonlinearity": str(args[1])}


def _inverse_root_fan(args: tuple[Any, ...]) -> dict[str, Any]:
    # PyTorch's own Linear init, kaiming_uniform_ with a = √5, has bound √(2/6)·√(3/fan) = 1/√fan.
    return {"a": math.sqrt(5), "mode": str(args[0]), "nonlinearity": "leaky_relu"}


def _gain(args: tuple[Any, ...]) -> dict[str, Any]:
    return {} if args[0] == 1.0 else {"gain": args[0]}


_FAN = (("mode", _MODE, Symbol("fan_in")), ("nonlinearity", _NONLINEARITY, Symbol("relu")))
_GAIN = (("gain", positive_number, 1.0),)

SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme("torch", (), None, _none, "PyTorch's own initialisation of the layer"),
        Scheme("zeros", (), "zeros_", _none, "all zero"),
        Scheme("ones", (), "ones_", _none, "all one"),
        Scheme(
            "constant",
            (("value", number, REQUIRED),),
            "constant_",
            lambda a: {"val": a[0]},
            "every element = value",
            example="constant(0.5)",
        ),
        Scheme(
            "normal",
            (("std", positive_number, REQUIRED),),
            "normal_",
            lambda a: {"std": a[0]},
            "normal, mean 0",
            example="normal(0.01)",
        ),
        Scheme(
            "trunc_normal",
            (("std", positive_number, REQUIRED),),
            "trunc_normal_",
            lambda a: {"std": a[0]},
            "normal, mean 0, redrawn outside [−2, 2] (torch's bounds)",
            example="trunc_normal(0.02)",
        ),
        Scheme(
            "kaiming_normal",
            _FAN,
            "kaiming_normal_",
            _kaiming,
            "He et al.: normal, std = gain/√fan (mode fan_in or fan_out; default fan_in, relu)",
            fan=True,
            example="kaiming_normal(fan_out)",
        ),
        Scheme(
            "kaiming_uniform",
            _FAN,
            "kaiming_uniform_",
            _kaiming,
            "He et al.: uniform, bound = gain·√(3/fan)",
            fan=True,
            example="kaiming_uniform(fan_in, linear)",
        ),
        Scheme(
            "uniform_fan",
            (("mode", _MODE, Symbol("fan_in")),),
            "kaiming_uniform_",
            _inverse_root_fan,
            "uniform, bound = 1/√fan (PyTorch's own Linear init with fan_in; EfficientNet's "
            "head with fan_out)",
            fan=True,
            example="uniform_fan(fan_out)",
        ),
        Scheme(
            "xavier_normal",
            _GAIN,
            "xavier_normal_",
            _gain,
            "Glorot and Bengio: normal, std = gain·√(2/(fan_in + fan_out))",
            fan=True,
            example="xavier_normal(2)",
        ),
        Scheme(
            "xavier_uniform",
            _GAIN,
            "xavier_uniform_",
            _gain,
            "Glorot and Bengio: uniform, bound = gain·√(6/(fan_in + fan_out))",
            fan=True,
        ),
    )
}

# jumpdsl's first names, kept: each is a scheme with its arguments.
ALIASES: dict[str, Init] = {
    "he_normal": Init("kaiming_normal", (Symbol("fan_in"), Symbol("relu"))),
    "he_uniform": Init("kaiming_uniform", (Symbol("fan_in"), Symbol("relu"))),
    "glorot_normal": Init("xavier_normal", (1.0,)),
    "glorot_uniform": Init("xavier_uniform", (1.0,)),
}
TORCH = Init("torch")
AUTO = Init("auto")  # a bias: zeros when the op's other tensors are initialised, else torch's


def _complete(scheme: Scheme, args: tuple[Any, ...]) -> Init:
    if len(args) > len(scheme.params):
        raise AttrError(scheme.usage(), show_value(Init(scheme.name, args)))
    done: list[Any] = []
    for index, (name, check, default) in enumerate(scheme.params):
        if index < len(args):
            try:
                done.append(check(args[index]))
            except AttrError as err:
                expected = f"{scheme.name}'s {name}: {err.expected}"
                raise AttrError(expected, err.got, err.choices) from None
        elif default is REQUIRED:
            # Not an unknown word: offer the call with its arguments.
            usage = scheme.usage()
            raise AttrError(f"{usage} (its {name} is needed)", scheme.name, (usage,))
        else:
            done.append(default)
    return Init(scheme.name, tuple(done))


def _parse(value: Any) -> Init | None:
    """The scheme a value names, completed; None when it names none."""
    if isinstance(value, (Symbol, str)):
        word = str(value)
        if word in ALIASES:
            return ALIASES[word]
        if word in SCHEMES:
            return _complete(SCHEMES[word], ())
        return None
    if isinstance(value, Init) and value.scheme in SCHEMES:
        return _complete(SCHEMES[value.scheme], value.args)
    return None


def _listed(schemes: list[Scheme]) -> str:
    """``torch, zeros, constant(value), …, kaiming_normal``: the arguments of those that need
    them (the others' are in the docs)."""
    shown = [s.usage() if s.params and s.params[0][2] is REQUIRED else s.name for s in schemes]
    return "(" + ", ".join(shown) + ")"


_KERNEL = "an initialisation " + _listed(list(SCHEMES.values()))
_VECTOR = "a number or an initialisation of a vector " + _listed(
    [s for s in SCHEMES.values() if not s.fan and s.torch is not None]
)


def init_checker(*, vector: bool = False, auto: bool = False) -> Callable[[Any], Init]:
    """The checker of an initialisation attribute. ``vector``: for a 1-D tensor of the op's
    own (no fan to read, no PyTorch default), where a bare number means ``constant(number)``;
    ``auto``: also accept ``auto`` (a bias)."""
    words = tuple(n for n, s in SCHEMES.items() if not (vector and (s.fan or s.torch is None)))
    choices = (*words, *(() if vector else ALIASES), *(("auto",) if auto else ()))
    expected = _VECTOR if vector else _KERNEL + (", auto" if auto else "")

    def check(value: Any) -> Init:
        if auto and isinstance(value, (Symbol, str, Init)) and str(value) == "auto":
            return AUTO
        if vector and not isinstance(value, bool) and isinstance(value, (int, float)):
            return Init("constant", (float(value),))
        init = _parse(value)
        if init is None or init.scheme not in words:
            raise AttrError(expected, show_value(value), choices)
        return init

    return check


def torch_call(init: Init) -> tuple[str, dict[str, Any]] | None:
    """The ``torch.nn.init`` function's name and keywords of a checked scheme; None for
    ``torch`` (leave the layer's own)."""
    scheme = SCHEMES[init.scheme]
    if scheme.torch is None:
        return None
    return scheme.torch, scheme.keywords(init.args)


def tensor_inits(inits: Mapping[str, str], attrs: Attrs) -> list[tuple[str, Init]]:
    """(tensor, scheme) in the entry's order, ``auto`` decided: zeros when another tensor of
    the op is initialised by a scheme, PyTorch's own otherwise."""
    chosen = [(tensor, attrs.get(attr) or TORCH) for attr, tensor in inits.items()]
    set_elsewhere = any(init not in (TORCH, AUTO) for _, init in chosen)
    zeros = Init("zeros")
    return [
        (tensor, (zeros if set_elsewhere else TORCH) if init == AUTO else init)
        for tensor, init in chosen
    ]
