"""jumpdsl: write a neural network once, as text; check it, draw it, compile it to PyTorch.

>>> import jumpdsl
>>> jumpdsl.check("specs/jumpnet.jnet").ok  # doctest: +SKIP
True

Importing this package is cheap: lark and networkx load on the first check, torch only when
a module is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from jumpdsl.api import Checked
    from jumpdsl.backends.trained import Trained
    from jumpdsl.ir.graph import Graph
    from jumpdsl.notebook import Drawing, Spec, Summary

__all__ = [
    "__version__",
    "check",
    "check_text",
    "draw",
    "load",
    "load_text",
    "summary",
    "zoo_models",
]

__version__ = "0.1.0"


def check(
    path: str | Path,
    *,
    plugins: Sequence[str] = (),
    use_path: Sequence[str | Path] = (),
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Checked:
    """Parse, lower and shape-check a spec (a path, or a zoo model's name: ``"resnet50"``);
    the result holds the IR and the diagnostics.

    Network parameters are keyword arguments (a name that clashes with an option here goes in
    ``params``); ``plugins`` are modules whose ops the spec may use (see docs/ops.md);
    ``use_path`` folders whose files ``use`` may read besides the spec's own tree, the working
    folder's and ``std/`` (``--use-path``).
    """
    from jumpdsl.api import check_file
    from jumpdsl.zoo import spec_and_params

    spec, overrides = spec_and_params(path, {**(params or {}), **kwargs})
    return check_file(spec, overrides, plugins=plugins, use_path=use_path)


def check_text(
    text: str,
    *,
    plugins: Sequence[str] = (),
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Checked:
    """:func:`check` for a spec held in a string (a notebook cell); ``use`` paths resolve from
    the working directory, ``std/…`` from the standard library."""
    from jumpdsl.api import check_text as check_spec_text

    return check_spec_text(text, params={**(params or {}), **kwargs}, plugins=plugins)


def zoo_models() -> list[str]:
    """The names :func:`load` and :func:`check` take for the zoo's models (docs/zoo.md)."""
    from jumpdsl.zoo import names

    return names()


def draw(
    spec: Spec,
    *,
    plugins: Sequence[str] = (),
    params: dict[str, Any] | None = None,
    **options: Any,
) -> Drawing:
    """A figure of a spec (a path, a zoo name, spec text, a :func:`check` result): shows
    inline in Jupyter; ``.save("net.pdf")`` writes it (the suffix picks svg, pdf, png, dot or
    tex); ``.svg`` is its text. ``options`` are those of ``jumpdsl draw``, as
    :class:`jumpdsl.backends.draw.DrawOptions` names them (``depth=2``, ``theme="paper"``,
    ``rankdir="LR"``, ``width=240`` points …). Works without torch and without Graphviz."""
    from jumpdsl.backends.draw import DrawOptions
    from jumpdsl.notebook import Drawing, graph_of

    return Drawing(graph_of(spec, plugins=plugins, params=params), DrawOptions(**options))


def summary(
    spec_or_model: Spec | torch.nn.Module,
    depth: int | None = 2,
    *,
    model: torch.nn.Module | None = None,
    batch_size: int = 1,
    brief: bool = False,
    plugins: Sequence[str] = (),
    params: dict[str, Any] | None = None,
) -> Summary:
    """A summary like torchinfo's and Keras's: ``print(jumpdsl.summary("resnet50"))``.

    Totals first (parameters trainable and not, their size, buffers, MACs, activation
    memory at ``batch_size``), then rows collapsed to ``depth`` (1 the sections, 2 their
    groups, …; None every layer) with subtotals. Takes what :func:`draw` takes, or a module
    :func:`load` made; with a module (or ``model=``) frozen parameters and buffers are counted
    from it. ``.data`` holds every layer as JSON-ready values."""
    from jumpdsl.notebook import Summary, graph_of

    if hasattr(spec_or_model, "named_parameters"):  # a module: its spec is remembered on it
        model = spec_or_model  # type: ignore[assignment]
        remembered = _remembered_spec(model)
        spec_or_model = remembered["spec"]
        params = {**remembered["params"], **(params or {})}
        plugins = (*remembered["plugins"], *plugins)
    graph = graph_of(spec_or_model, plugins=plugins, params=params)  # type: ignore[arg-type]
    return Summary.of(graph, model, depth=depth, batch_size=batch_size, brief=brief)


_SPEC_ATTRIBUTE = "jumpdsl_spec"  # what load() remembers of the spec on the module


def _remember(
    module: torch.nn.Module, spec: str, params: dict[str, Any], plugins: Sequence[str]
) -> torch.nn.Module:
    """Keep on ``module`` what made it (plain values), so :func:`summary` can take the module
    alone: as an attribute, which pickling keeps, and in a GraphModule's ``meta``, which
    ``copy.deepcopy`` keeps."""
    remembered = {"spec": spec, "params": dict(params), "plugins": list(plugins)}
    setattr(module, _SPEC_ATTRIBUTE, remembered)
    meta = getattr(module, "meta", None)
    if isinstance(meta, dict):
        meta[_SPEC_ATTRIBUTE] = remembered
    return module


def _remembered_spec(model: Any) -> dict[str, Any]:
    for candidate in (model, getattr(model, "_orig_mod", None)):  # torch.compile wraps it
        meta = getattr(candidate, "meta", None)
        remembered = getattr(candidate, _SPEC_ATTRIBUTE, None) or (
            meta.get(_SPEC_ATTRIBUTE) if isinstance(meta, dict) else None
        )
        if remembered is not None:
            return dict(remembered)
    raise TypeError(
        "this module was not made by jumpdsl.load(); give the spec as well: "
        "jumpdsl.summary(SPEC, model=module)"
    )


def load(
    path: str | Path,
    *,
    weights: str | Path | None = None,
    device: str | None = None,
    seed: int | None = None,
    torch_compile: bool = False,
    inference: bool = False,
    checkpoint: str | Path | None = None,
    hierarchy: bool = True,
    plugins: Sequence[str] = (),
    use_path: Sequence[str | Path] = (),
    params: dict[str, Any] | None = None,
    max_params: int | None = None,
    max_memory: int | str | None = None,
    **kwargs: Any,
) -> torch.nn.Module:
    """Compile a spec (a path, or a zoo model's name: ``"resnet50"``) into a
    ``torch.nn.Module`` (a ``torch.fx.GraphModule``).

    The module is a tree like the spec: ``stem``, ``learner`` → ``group1`` → ``block1``, …,
    ``task``, each a submodule with its own ``forward``, its class named after its template
    (``print(model)`` shows ``(block1): JumpBottleneck(``), so per-block checkpointing,
    wrapping and freezing work; ``hierarchy=False`` gives one flat ``forward`` instead (the
    same function and ``state_dict``). The inference form is always flat.

    Network parameters are keyword arguments (``load("specs/jumpnet.jnet", classes=100)``);
    a parameter whose name clashes with an option here goes in ``params``. With
    ``inference=True`` the module is the eval-only inference form (batch norms folded into
    their convs, no dropout, channels-last; see :mod:`jumpdsl.backends.inference`).
    ``checkpoint`` (a ``jumpdsl train`` checkpoint) loads its weights, and puts the input
    normalisation the run trained with inside the module, so raw inputs give the trained
    accuracy (:mod:`jumpdsl.backends.trained`).
    ``weights`` is a ``state_dict`` file of the same network from elsewhere (torchvision's
    ``resnet50``): its entries are taken in order, each shape checked
    (:mod:`jumpdsl.backends.weights`).
    ``plugins`` and ``use_path`` are as for :func:`check`. Raises
    :class:`jumpdsl.diagnostics.JumpdslError` when the spec has errors, or when the network
    would need more than ``max_params`` parameters (default 2**31) or ``max_memory`` bytes of
    weights and activations at batch 1 (default 16 GiB; ``"64G"`` works too), estimated
    before any tensor is made.
    """
    from jumpdsl.api import check_file
    from jumpdsl.zoo import spec_and_params

    trained = _trained(checkpoint, weights)
    spec, overrides = spec_and_params(path, _overrides(trained, params, kwargs))
    checked = check_file(spec, overrides, plugins=plugins, use_path=use_path)
    graph = _within(checked, max_params, max_memory)
    module = _built(graph, device, seed, torch_compile, inference, trained, weights, hierarchy)
    return _remember(module, str(spec), overrides, plugins)


def load_text(
    text: str,
    *,
    device: str | None = None,
    seed: int | None = None,
    torch_compile: bool = False,
    inference: bool = False,
    checkpoint: str | Path | None = None,
    weights: str | Path | None = None,
    hierarchy: bool = True,
    plugins: Sequence[str] = (),
    params: dict[str, Any] | None = None,
    max_params: int | None = None,
    max_memory: int | str | None = None,
    **kwargs: Any,
) -> torch.nn.Module:
    """:func:`load` for a spec held in a string (a notebook cell)."""
    from jumpdsl.api import check_text as check_spec_text

    trained = _trained(checkpoint, weights)
    overrides = _overrides(trained, params, kwargs)
    checked = check_spec_text(text, params=overrides, plugins=plugins)
    graph = _within(checked, max_params, max_memory)
    module = _built(graph, device, seed, torch_compile, inference, trained, weights, hierarchy)
    return _remember(module, text, overrides, plugins)


def _trained(checkpoint: str | Path | None, weights: str | Path | None) -> Trained | None:
    from jumpdsl.backends.trained import read_trained

    if checkpoint is not None and weights is not None:
        raise ValueError(
            "give checkpoint= (a jumpdsl train run) or weights= (a state_dict), not both"
        )
    return read_trained(checkpoint) if checkpoint is not None else None


def _within(checked: Checked, max_params: int | None, max_memory: int | str | None) -> Graph:
    """The checked graph, or the JumpdslError of its errors or of a resource estimate past the
    limits (nothing is built before this)."""
    from jumpdsl.api import check_resources
    from jumpdsl.backends.memory import ResourceLimits, parse_size

    default = ResourceLimits()
    memory = parse_size(max_memory) if isinstance(max_memory, str) else max_memory
    limits = ResourceLimits(max_params or default.max_params, memory or default.max_memory)
    return check_resources(checked, limits).raise_for_errors()


def _overrides(
    trained: Trained | None, params: dict[str, Any] | None, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The network parameters: the checkpoint run's ``--set``, then the caller's."""
    run_params = dict(trained.params) if trained is not None else {}
    return {**run_params, **(params or {}), **kwargs}


def _built(
    graph: Graph,
    device: str | None,
    seed: int | None,
    torch_compile: bool,
    inference: bool,
    trained: Trained | None,
    weights: str | Path | None,
    hierarchy: bool,
) -> torch.nn.Module:
    from jumpdsl.backends.inference import inference_module
    from jumpdsl.backends.torch_fx import build_module
    from jumpdsl.backends.torch_runtime import pick_device, prepare
    from jumpdsl.backends.trained import with_input_normalization
    from jumpdsl.backends.weights import weights_for
    from jumpdsl.train.checkpoint import fit_weights

    where = pick_device(device)
    module = None if inference else build_module(graph, seed=seed, hierarchy=hierarchy)
    state = trained.weights if trained is not None else None
    if weights is not None:  # the file's entries under the training form's names
        state = weights_for((module or build_module(graph)).state_dict(), weights)
    if module is None:
        # torch.compile makes its own fused kernels from the portable form
        module = inference_module(
            graph, seed=seed, weights=state, device=where, portable=torch_compile
        )
    elif state is not None:
        fit_weights(module, state)
    if trained is not None:
        module = with_input_normalization(module, trained.normalization)
    prepared, _ = prepare(module, where, torch_compile=torch_compile)
    return prepared
