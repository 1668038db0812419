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

__all__ = ["__version__", "check", "load"]

__version__ = "0.1.0"


def check(
    path: str | Path,
    *,
    plugins: Sequence[str] = (),
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Checked:
    """Parse, lower and shape-check a spec; the result holds the IR and the diagnostics.

    Network parameters are keyword arguments (a name that clashes with an option here goes in
    ``params``); ``plugins`` are modules whose ops the spec may use (see docs/ops.md).
    """
    from jumpdsl.api import check_file

    return check_file(path, {**(params or {}), **kwargs}, plugins=plugins)


def load(
    path: str | Path,
    *,
    device: str | None = None,
    seed: int | None = None,
    torch_compile: bool = False,
    inference: bool = False,
    checkpoint: str | Path | None = None,
    hierarchy: bool = True,
    plugins: Sequence[str] = (),
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> torch.nn.Module:
    """Compile a spec into a ``torch.nn.Module`` (a ``torch.fx.GraphModule``).

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
    ``plugins`` are modules whose ops the spec may use (see docs/ops.md). Raises
    :class:`jumpdsl.diagnostics.JumpdslError` when the spec has errors.
    """
    from jumpdsl.api import check_file
    from jumpdsl.backends.inference import inference_module
    from jumpdsl.backends.torch_fx import build_module
    from jumpdsl.backends.torch_runtime import pick_device, prepare
    from jumpdsl.backends.trained import read_trained, with_input_normalization
    from jumpdsl.train.checkpoint import fit_weights

    trained = read_trained(checkpoint) if checkpoint is not None else None
    run_params = dict(trained.params) if trained is not None else {}  # the run's --set
    overrides = {**run_params, **(params or {}), **kwargs}
    graph = check_file(path, overrides, plugins=plugins).raise_for_errors()
    weights = trained.weights if trained is not None else None
    where = pick_device(device)
    if inference:
        # torch.compile makes its own fused kernels from the portable form
        module = inference_module(
            graph, seed=seed, weights=weights, device=where, portable=torch_compile
        )
    else:
        module = build_module(graph, seed=seed, hierarchy=hierarchy)
        if weights is not None:
            fit_weights(module, weights)
    if trained is not None and trained.normalization is not None:
        module = with_input_normalization(module, trained.normalization)
    prepared, _ = prepare(module, where, torch_compile=torch_compile)
    return prepared
