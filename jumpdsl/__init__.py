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
    use_path: Sequence[str | Path] = (),
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Checked:
    """Parse, lower and shape-check a spec; the result holds the IR and the diagnostics.

    Network parameters are keyword arguments (a name that clashes with an option here goes in
    ``params``); ``plugins`` are modules whose ops the spec may use (see docs/ops.md).
    """
    from jumpdsl.api import check_file

    return check_file(path, {**(params or {}), **kwargs}, plugins=plugins, use_path=use_path)


def load(
    path: str | Path,
    *,
    device: str | None = None,
    seed: int | None = None,
    torch_compile: bool = False,
    inference: bool = False,
    plugins: Sequence[str] = (),
    use_path: Sequence[str | Path] = (),
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> torch.nn.Module:
    """Compile a spec into a ``torch.nn.Module`` (a ``torch.fx.GraphModule``).

    Network parameters are keyword arguments (``load("specs/jumpnet.jnet", classes=100)``);
    a parameter whose name clashes with an option here goes in ``params``. With
    ``inference=True`` the module is the eval-only inference form (batch norms folded into
    their convs, no dropout, channels-last; see :mod:`jumpdsl.backends.inference`).
    ``plugins`` are modules whose ops the spec may use (see docs/ops.md); ``use_path`` as for
    :func:`check`. Raises
    :class:`jumpdsl.diagnostics.JumpdslError` when the spec has errors.
    """
    from jumpdsl.api import check_file
    from jumpdsl.backends.inference import inference_module
    from jumpdsl.backends.torch_fx import build_module
    from jumpdsl.backends.torch_runtime import pick_device, prepare

    checked = check_file(path, {**(params or {}), **kwargs}, plugins=plugins, use_path=use_path)
    graph = checked.raise_for_errors()
    where = pick_device(device)
    if inference:
        # torch.compile makes its own fused kernels from the portable form
        module = inference_module(graph, seed=seed, device=where, portable=torch_compile)
    else:
        module = build_module(graph, seed=seed)
    prepared, _ = prepare(module, where, torch_compile=torch_compile)
    return prepared
