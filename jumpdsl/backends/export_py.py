"""Standalone PyTorch source for a checked network: ``class Model(torch.nn.Module)``.

The file imports torch and, where the network holds plugin ops, the plugin modules that define
their module classes and functions, by name. ``__init__`` builds the same modules and tensors
at the same scope paths as :func:`jumpdsl.backends.torch_fx.build_module`, in the same order
and with the same initialisation (from the build's log), so ``Model()`` has the same
``state_dict`` keys (and, with a seed, the same weights); ``forward`` is the GraphModule's
generated code. A torch.nn module's constructor call is read off its ``__init__`` signature and
checked by rebuilding it, so a new op's module is exported without a table here. The source is
run once (on the meta device) before it is returned: a file that would fail is refused with
:class:`ExportError` instead.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import keyword
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import torch
from torch import fx, nn

from jumpdsl.backends.inference import channels_last_for, to_inference
from jumpdsl.backends.torch_fx import BuildLog, Built, Tensor, build
from jumpdsl.ir.graph import Graph
from jumpdsl.ir.values import Init
from jumpdsl.ops.init import torch_call
from jumpdsl.passes.shapes import Shapes

if TYPE_CHECKING:  # batches imports numpy, which a plain .py export does not need
    from jumpdsl.train.batches import Normalization

__all__ = ["ExportError", "TrainedSource", "constructor_call", "python_source"]

# Names the generated forward may use that torch.fx provides and a plain `import torch` covers.
_FX_GLOBALS = {"inf", "nan", "NoneType", "torch", "device", "fx_pytree", "pytree"}


class ExportError(Exception):
    """The network holds something the exporter cannot write as source."""


@dataclasses.dataclass(frozen=True)
class TrainedSource:
    """What a trained network's file adds: the input normalisation as ``forward``'s first step
    (constants in the source) and the name of the weights file written beside it."""

    normalization: Normalization | None
    weights_file: str

    @property
    def normalizes(self) -> bool:
        norm = self.normalization
        return norm is not None and not (
            norm.scale == 1 and set(norm.mean) <= {0.0} and set(norm.std) <= {1.0}
        )


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
    """Source that rebuilds a torch.nn ``module`` (its weights aside); checked by rebuilding it.

    >>> constructor_call(nn.Conv2d(3, 16, 3, padding=1, bias=False))
    'torch.nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False)'
    """
    cls = type(module)
    if getattr(nn, cls.__name__, None) is not cls:
        raise ExportError(
            f"cannot export {cls.__name__}: not a torch.nn module; a plugin builds its own "
            "classes with em.make('package.module:Class', ...) so the file can import them"
        )
    kwargs = _constructor_args(module)
    if repr(_rebuilt(cls, kwargs)) != repr(module):
        raise ExportError(f"cannot rebuild {module!r} from its constructor's parameters")
    # The first two (channels or features in, out) read best without their names, where they
    # are the constructor's first two (InstanceNorm2d's second given may be `affine`).
    leading = [n for n in inspect.signature(cls.__init__).parameters if n != "self"][:2]
    parts = [
        repr(v) if i < len(leading) and k == leading[i] and type(v) is int else f"{k}={v!r}"
        for i, (k, v) in enumerate(kwargs.items())
    ]
    return f"torch.nn.{cls.__name__}({', '.join(parts)})"


def _literal(value: Any, what: str) -> str:
    """``repr(value)`` when it reads back as the same value, else ExportError."""
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ExportError(f"cannot export {what}: {text} is not a literal a file can hold")
    return text


class _Source:
    """The parts of the file beyond torch: the plugin modules it imports."""

    def __init__(self, log: BuildLog) -> None:
        self.log = log
        self.imports: dict[str, None] = {}  # `import x.y` lines, in first-use order
        self.aliases: dict[str, str] = {}  # forward's global name → `from m import n as g`
        self.packages: dict[str, None] = {}  # the top-level packages the file needs

    def module_call(self, node: str, module: nn.Module) -> str:
        made = self.log.made.get(id(module))
        if made is None:
            return constructor_call(module)
        module_name, sep, name = made.path.partition(":")
        if not sep:
            module_name, _, name = made.path.rpartition(".")
        self.imports[_checked_path(module_name)] = None
        _checked_path(name)
        self.packages[module_name.split(".")[0]] = None
        what = f"{node} ({made.path})"
        parts = [_literal(v, what) for v in made.args]
        parts += [f"{k}={_literal(v, what)}" for k, v in made.kwargs.items()]
        return f"{module_name}.{name}({', '.join(parts)})"

    def forward_globals(self, code: fx.graph.PythonCode) -> None:
        """Import each function the forward calls that torch does not provide, by name."""
        for alias, target in sorted(code.globals.items()):
            if alias in _FX_GLOBALS or alias not in code.src:
                continue
            module_name = getattr(target, "__module__", None)
            qualname = getattr(target, "__qualname__", "")
            if not module_name or module_name == "__main__" or "." in qualname or "<" in qualname:
                raise ExportError(
                    f"cannot export a call of {target!r}: define it at the top level of an "
                    "importable module, so the file can import it"
                )
            self.aliases[alias] = f"from {module_name} import {qualname} as {alias}"
            self.packages[module_name.split(".")[0]] = None


def _init_line(target: str, init: Init) -> str:
    call = torch_call(init)
    assert call is not None
    name, kwargs = call
    options = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"torch.nn.init.{name}({_checked_path(target)}{options})"


def _set(inits: list[tuple[str, Init]]) -> list[tuple[str, Init]]:
    return [(name, init) for name, init in inits if torch_call(init) is not None]


def _legacy(inits: list[tuple[str, Init]], module: nn.Module) -> Init | None:
    """The weight's scheme when the node's initialisation is "weight by a scheme, bias zero"
    (jumpdsl's first form, written with the ``_init`` helper); None otherwise."""
    if not hasattr(module, "bias"):
        return None  # not a conv or dense layer (PReLU's weight): the helper reads the bias
    chosen = _set(inits)
    if not chosen or chosen[0][0] != "weight":
        return None
    if [n for n, _ in inits] not in (["weight"], ["weight", "bias"]):
        return None
    if len(chosen) == 2 and chosen[1][1] != Init("zeros"):
        return None
    if len(inits) == 2 and len(chosen) == 1:
        return None  # a bias kept at torch's own initialisation
    return chosen[0][1]


def _module_lines(
    node: str, call: str, inits: list[tuple[str, Init]], module: nn.Module
) -> list[str]:
    legacy = _legacy(inits, module)
    if legacy is not None:
        torch_name, kwargs = torch_call(legacy) or ("", {})
        options = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        return [f"self.{_checked_path(node)} = _init({call}, torch.nn.init.{torch_name}{options})"]
    lines = [f"self.{_checked_path(node)} = {call}"]
    return lines + [_init_line(f"self.{node}.{name}", init) for name, init in _set(inits)]


def _tensor_line(tensor: Tensor) -> str:
    zeros = f"torch.zeros({tensor.shape!r})"
    path = _checked_path(f"{tensor.node}.{tensor.name}")
    if tensor.kind == "parameter":
        return f"self.{path} = torch.nn.Parameter({zeros})"
    persistent = "" if tensor.persistent else ", persistent=False"
    return f"self.{tensor.node}.register_buffer({tensor.name!r}, {zeros}{persistent})"


def _scopes(node: str, made: set[str]) -> Iterator[str]:
    *scopes, _ = node.split(".")
    for depth in range(1, len(scopes) + 1):
        scope = ".".join(scopes[:depth])
        if scope not in made:
            made.add(scope)
            yield f"self.{_checked_path(scope)} = torch.nn.Module()"


def _layer_lines(graph: Graph, log: BuildLog, source: _Source) -> list[str]:
    """The assignments of each node's modules and tensors, in build order (the order random
    weights are drawn in)."""
    lines: list[str] = []
    made: set[str] = set()
    for node in graph:
        module, tensors = log.modules.get(node), log.tensors.get(node, [])
        if module is None and not tensors:
            continue  # an op without state (relu, add, …)
        lines += _scopes(node, made)
        inits = log.inits.get(node, [])
        if module is not None:
            lines += _module_lines(node, source.module_call(node, module), inits, module)
            continue
        lines.append(f"self.{_checked_path(node)} = torch.nn.Module()")
        lines += [_tensor_line(t) for t in tensors]
        lines += [_init_line(f"self.{node}.{name}", init) for name, init in _set(inits)]
    return lines


_INIT_HELPER = '''
def _init(module, initialiser, **options):
    """The spec's initialisation of a conv or dense layer: weight by the scheme, bias zero."""
    with torch.no_grad():
        initialiser(module.weight, **options)
        if module.bias is not None:
            module.bias.zero_()
    return module'''


def _trained_text(trained: TrainedSource) -> str:
    name = _doc_text(trained.weights_file)
    text = (
        f"Trained weights: Model.trained() loads {name}, written beside this file (a state_dict;\n"
        f"Model(weights=PATH) takes another path; torch.load(PATH, weights_only=True) reads it).\n"
    )
    if trained.normalizes:
        assert trained.normalization is not None
        scale = trained.normalization.scale
        text += (
            f"forward takes raw inputs, as the run read them (pixels 0…{scale:g}): its first step\n"
            "is the run's input normalisation, (x / scale − mean) / std per channel;\n"
            "Model.network is the network alone, for inputs normalised already.\n"
        )
    return text


def _header(
    graph: Graph,
    origin: str,
    seed: int | None,
    imports: list[str],
    packages: list[str],
    inference: bool = False,
    trained: TrainedSource | None = None,
) -> str:
    weights = (
        f"Model() draws its weights from seed {seed}, as jumpdsl does with --seed {seed}."
        if seed is not None
        else "Model() draws fresh random weights, initialised as the spec says."
    )
    if inference:
        weights = (
            "The inference form (eval only): batch norms folded into their convolutions,\n"
            "no dropout, channels-last. Model() draws fresh weights; trained ones come from\n"
            "jumpdsl.load(spec, inference=True).state_dict() (the same keys)."
        )
    if trained is not None:
        weights = _trained_text(trained).rstrip()
    shape = "×".join(map(str, graph.input_shape))
    origin, name = _doc_text(origin), _doc_text(graph.name)
    needs = "torch and nothing else" if not packages else "torch and " + ", ".join(packages)
    return (
        f'"""{name}: standalone PyTorch source written by `jumpdsl export`.\n\n'
        f"From: {origin}\nInput: N×{shape}. Needs {needs}.\n{weights}\n"
        '"""\n\nimport torch\n' + "".join(f"{line}\n" for line in imports)
    )


def _doc_text(text: str) -> str:
    r"""``text`` (a file name, a ``--set`` value: what the user controls) as it may stand inside
    a triple-quoted docstring: backslashes and quotes escaped, and anything not printable (a
    line break, a NUL, a lone surrogate from an undecodable file name) as its escape, so the
    docstring reads the same words back and nothing in it can end the string.

    >>> print(_doc_text("a" + '"' * 3 + "\\b\nc"))
    a\"\"\"\\b\nc
    """
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _init_method(
    layers: list[str], seed: int | None, trained: TrainedSource | None = None
) -> list[str]:
    body = [f"        {line}" for line in layers]
    start = ["    def __init__(self):", "        super().__init__()"]
    if trained is not None:
        start = ["    def __init__(self, weights=None):", "        super().__init__()"]
    if seed is not None:
        body = [
            "        # The caller's random state is kept; the draws here are the seed's alone.",
            "        with torch.random.fork_rng(devices=[]):",
            f"            torch.manual_seed({seed})",
            *(f"    {line}" for line in body),
        ]
    return [*start, *body, *(_trained_init(trained) if trained is not None else [])]


def _trained_init(trained: TrainedSource) -> list[str]:
    lines = []
    if trained.normalizes:
        norm = trained.normalization
        assert norm is not None
        lines += [
            "        # the run's input normalisation (not weights: kept out of the state_dict)",
            *(
                f"        self.register_buffer({name!r}, torch.tensor({list(values)!r}).view(1, -1)"
                f" * {norm.scale!r}, persistent=False)"
                for name, values in (("input_offset", norm.mean), ("input_divisor", norm.std))
            ),
        ]
    return [
        *lines,
        "        if weights is not None:",
        '            state = torch.load(weights, map_location="cpu", weights_only=True)',
        "            self.load_state_dict(state)",
    ]


def _trained_methods(trained: TrainedSource, forward: str) -> list[str]:
    """``trained()``, and where the run normalised its inputs, ``forward`` = that step, then
    the network (the generated forward, as ``network``)."""
    lines = [
        "@classmethod",
        "def trained(cls):",
        f'    """The model with the weights of {_doc_text(trained.weights_file)}, beside it."""',
        "    import pathlib",
        "",
        f"    return cls(weights=pathlib.Path(__file__).with_name({trained.weights_file!r}))",
        "",
    ]
    if not trained.normalizes:
        return [*lines, *forward.splitlines()]
    network = forward.replace("def forward(self, ", "def network(self, ", 1)
    if network == forward:
        raise ExportError("the generated forward has no 'def forward(self, …)' line")
    return [
        *lines,
        "def forward(self, x):",
        '    """Raw inputs: the run\'s normalisation, then the network."""',
        "    shape = (1, -1) + (1,) * (x.dim() - 2)",
        "    x = (x - self.input_offset.view(shape)) / self.input_divisor.view(shape)",
        "    return self.network(x)",
        "",
        *network.splitlines(),
    ]


def python_source(
    graph: Graph,
    *,
    seed: int | None = None,
    origin: str = "a spec",
    inference: bool = False,
    trained: TrainedSource | None = None,
) -> str:
    """The source of a module ``Model`` computing the checked IR ``graph``; with ``trained``,
    ``Model(weights=PATH)`` and ``Model.trained()`` load weights, and ``forward`` normalises
    raw inputs as the run did.

    >>> from jumpdsl.api import lower_text
    >>> text = python_source(lower_text("network T { input [3, 8, 8] task { gap dense(2) } }"))
    >>> "class Model(torch.nn.Module):" in text, "self.task.dense1 = torch.nn.Linear(3, 2)" in text
    (True, True)
    """
    built = build(graph, seed=seed)
    if inference:
        built = _inference_form(graph, built)
    source = _Source(built.log)
    layers = _layer_lines(graph, built.log, source)
    code = built.module.graph.python_code(root_module="self")
    source.forward_globals(code)
    forward = code.src.strip()
    if trained is not None:
        forward = "\n".join(_trained_methods(trained, forward))
    uses_init = any("_init(" in line for line in layers)
    imports = [f"import {name}" for name in source.imports] + list(source.aliases.values())
    parts = [
        _header(graph, origin, seed, imports, sorted(source.packages), inference, trained),
        *([_INIT_HELPER, ""] if uses_init else []),
        "\nclass Model(torch.nn.Module):",
        f'    """{_doc_text(graph.name)}, as its spec says (see the top of the file)."""\n',
        f"    input_shape = {tuple(graph.input_shape)!r}\n",
        *_init_method(layers, seed, trained),
        "",
        *(f"    {line}" if line else "" for line in forward.splitlines()),
    ]
    text = "\n".join(parts).rstrip() + "\n"
    _verify(text, graph, built)
    return text


def _inference_form(graph: Graph, built: Built) -> Built:
    """The built module rewritten into the portable inference form, and the log of what is
    left of it: a folded batch norm's module is gone, its conv (now with a bias) replaced."""
    module = to_inference(built.module, graph, channels_last=channels_last_for(graph))
    names = dict(module.named_modules())
    kept = {node: names[node] for node in built.log.modules if node in names}
    return Built(module, dataclasses.replace(built.log, modules=kept))


def _check_layout(text: str) -> None:
    """The file must be what this module writes, and nothing else, before it is run: one
    docstring, imports, the ``_init`` helper, ``class Model``. Text the user controls (a file
    name, a name, a label) that escaped its string would show up here as another statement."""
    try:
        body = ast.parse(text).body
    except SyntaxError as exc:
        raise ExportError(f"the written file is not valid Python: {exc.msg}") from None
    docstring = bool(body) and isinstance(body[0], ast.Expr)
    defined = [
        (type(s).__name__, getattr(s, "name", ""))
        for s in body[1:]
        if not isinstance(s, ast.Import | ast.ImportFrom)
    ]
    if not docstring or defined not in (_LAYOUTS[0], _LAYOUTS[1]):
        raise ExportError("the written file holds statements it should not: not exported")


# What the file defines after its docstring and imports: the class, with or without the helper.
_LAYOUTS = ([("ClassDef", "Model")], [("FunctionDef", "_init"), ("ClassDef", "Model")])


def _checked_path(path: str) -> str:
    """A dotted name written into the file as code (``self.<path>``, ``import <path>``): each
    part must be a Python identifier, so no name can carry code with it."""
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in path.split(".")):
        raise ExportError(f"cannot export {path!r}: not a dotted Python name")
    return path


def _verify(text: str, graph: Graph, built: Built) -> None:
    """Run the file on the meta device: ``Model()`` must have the network's tensors and a
    forward pass its output shape; else the file would fail, and is refused."""
    _check_layout(text)
    namespace: dict[str, Any] = {"__name__": "jumpdsl_export_check"}
    try:
        with torch.device("meta"):
            exec(compile(text, "<jumpdsl export>", "exec"), namespace)
            model = namespace["Model"]()
            out = model(torch.empty(2, *graph.input_shape))
    except Exception as exc:
        raise ExportError(
            f"the written file would fail when run: {type(exc).__name__}: {exc}"
        ) from None
    expected = [(k, tuple(v.shape)) for k, v in built.module.state_dict().items()]
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    if got != expected:
        raise ExportError("the written file would not hold the network's tensors")
    if tuple(out.shape) != (2, *(graph.get(Shapes, graph.output).shape or ())):
        raise ExportError("the written file's forward would not give the network's output")
