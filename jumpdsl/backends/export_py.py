"""Standalone PyTorch source for a checked network: ``class Model(torch.nn.Module)``.

The file imports torch and nothing else. ``__init__`` builds the same modules at the same scope
paths as :func:`jumpdsl.backends.torch_fx.build_module`, in the same order and with the same
initialisation, so ``Model()`` has the same ``state_dict`` keys (and, with a seed, the same
weights); ``forward`` is the GraphModule's generated code. Constructor calls are read off each
module's ``__init__`` signature and checked by rebuilding the module, so a new op's module is
exported without a table here.
"""

from __future__ import annotations

import inspect
from typing import Any

from torch import fx, nn

from jumpdsl.backends.torch_fx import INITIALISERS, build_module
from jumpdsl.ir.graph import Graph

__all__ = ["ExportError", "python_source"]


class ExportError(Exception):
    """The network holds something the exporter cannot write as source."""


def _is_default(value: Any, default: Any) -> bool:
    return bool(value == default) or (
        isinstance(value, tuple) and len(value) > 0 and all(v == default for v in value)
    )


def _compact(value: Any) -> Any:
    """``(3, 3)`` → ``3``: torch.nn's size arguments take one int for a square."""
    if isinstance(value, tuple) and len(value) > 1 and len(set(value)) == 1:
        return value[0]
    return value


def _constructor_args(module: nn.Module) -> dict[str, Any]:
    """Arguments that rebuild ``module``: its ``__init__`` parameters, read off its attributes
    (the ones left at their defaults are left out)."""
    kwargs: dict[str, Any] = {}
    for name, param in inspect.signature(type(module).__init__).parameters.items():
        if name in ("self", "device", "dtype") or param.kind is not param.POSITIONAL_OR_KEYWORD:
            continue
        if not hasattr(module, name):
            raise ExportError(f"cannot export {type(module).__name__}: no attribute '{name}'")
        value = getattr(module, name)
        if name == "bias" and (value is None or isinstance(value, nn.Parameter)):
            value = value is not None  # the flag, not the tensor
        if param.default is param.empty or not _is_default(value, param.default):
            kwargs[name] = _compact(value)
    return kwargs


def _rebuilt(cls: type[nn.Module], kwargs: dict[str, Any]) -> nn.Module:
    if "device" in inspect.signature(cls.__init__).parameters:
        kwargs = {**kwargs, "device": "meta"}  # no weights to draw
    return cls(**kwargs)


def constructor_call(module: nn.Module) -> str:
    """Source that rebuilds ``module`` (its weights aside); checked by rebuilding it.

    >>> constructor_call(nn.Conv2d(3, 16, 3, padding=1, bias=False))
    'torch.nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False)'
    """
    cls = type(module)
    if getattr(nn, cls.__name__, None) is not cls:
        raise ExportError(f"cannot export {cls.__name__}: not a torch.nn module")
    kwargs = _constructor_args(module)
    if repr(_rebuilt(cls, kwargs)) != repr(module):
        raise ExportError(f"cannot rebuild {module!r} from its constructor's parameters")
    # The first two (channels or features in, out) read best without their names.
    parts = [
        repr(v) if i < 2 and isinstance(v, int) else f"{k}={v!r}"
        for i, (k, v) in enumerate(kwargs.items())
    ]
    return f"torch.nn.{cls.__name__}({', '.join(parts)})"


def _init_call(scheme: str | None, target: str) -> str:
    entry = INITIALISERS.get(scheme or "torch")
    if entry is None:
        return target
    fn, kwargs = entry
    options = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"_init({target}, torch.nn.init.{fn.__name__}{options})"


def _layer_lines(graph: Graph, module: fx.GraphModule) -> list[str]:
    """One assignment per module, in build order (the order random weights are drawn in)."""
    lines: list[str] = []
    made: set[str] = set()
    for node in graph:
        try:
            layer = module.get_submodule(node)
        except AttributeError:
            continue  # an op without a module (relu, add, …)
        *scopes, _ = node.split(".")
        for depth in range(1, len(scopes) + 1):
            scope = ".".join(scopes[:depth])
            if scope not in made:
                made.add(scope)
                lines.append(f"self.{scope} = torch.nn.Module()")
        call = _init_call(graph[node].attrs.get("init"), constructor_call(layer))
        lines.append(f"self.{node} = {call}")
    return lines


_INIT_HELPER = '''
def _init(module, initialiser, **options):
    """The spec's initialisation of a conv or dense layer: weight by the scheme, bias zero."""
    with torch.no_grad():
        initialiser(module.weight, **options)
        if module.bias is not None:
            module.bias.zero_()
    return module'''


def _header(graph: Graph, origin: str, seed: int | None) -> str:
    weights = (
        f"Model() draws its weights from seed {seed}, as jumpdsl does with --seed {seed}."
        if seed is not None
        else "Model() draws fresh random weights, initialised as the spec says."
    )
    shape = "×".join(map(str, graph.input_shape))
    return (
        f'"""{graph.name}: standalone PyTorch source written by `jumpdsl export`.\n\n'
        f"From: {origin}\nInput: N×{shape}. Needs torch and nothing else.\n{weights}\n"
        '"""\n\nimport torch\n'
    )


def _init_method(layers: list[str], seed: int | None) -> list[str]:
    body = [f"        {line}" for line in layers]
    if seed is None:
        return ["    def __init__(self):", "        super().__init__()", *body]
    return [
        "    def __init__(self):",
        "        super().__init__()",
        "        # The caller's random state is kept; the draws here are the seed's alone.",
        "        with torch.random.fork_rng(devices=[]):",
        f"            torch.manual_seed({seed})",
        *(f"    {line}" for line in body),
    ]


def python_source(graph: Graph, *, seed: int | None = None, origin: str = "a spec") -> str:
    """The source of a module ``Model`` computing the checked IR ``graph``.

    >>> from jumpdsl.api import lower_text
    >>> text = python_source(lower_text("network T { input [3, 8, 8] task { gap dense(2) } }"))
    >>> "class Model(torch.nn.Module):" in text, "self.task.dense1 = torch.nn.Linear(3, 2)" in text
    (True, True)
    """
    module = build_module(graph, seed=seed)
    layers = _layer_lines(graph, module)
    forward = module.graph.python_code(root_module="self").src.strip()
    uses_init = any("_init(" in line for line in layers)
    parts = [
        _header(graph, origin, seed),
        *([_INIT_HELPER, ""] if uses_init else []),
        "\nclass Model(torch.nn.Module):",
        f'    """{graph.name}, as its spec says (see the top of the file)."""\n',
        f"    input_shape = {tuple(graph.input_shape)!r}\n",
        *_init_method(layers, seed),
        "",
        *(f"    {line}" if line else "" for line in forward.splitlines()),
    ]
    return "\n".join(parts).rstrip() + "\n"
