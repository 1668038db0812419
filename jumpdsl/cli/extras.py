"""The optional packages of ``train`` and ``eval`` (the ``[train]`` extra): one missing is the
user's environment, so it is one sentence with the command that installs it, exit 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from jumpdsl.cli.common import UsageError

__all__ = ["INSTALL_TRAIN", "TRAIN_EXTRA", "needs_train_extra"]

INSTALL_TRAIN = "pip install 'jumpdsl[train]'"
# import name → the package that provides it; numpy is not one of torch's own requirements
TRAIN_EXTRA = {
    "numpy": "numpy",
    "sklearn": "scikit-learn",
    "tqdm": "tqdm",
    "matplotlib": "matplotlib",
    "PIL": "Pillow",
}

F = TypeVar("F", bound=Callable[..., int])


def needs_train_extra(verb: str) -> Callable[[F], F]:
    """Run a verb so that a package of the [train] extra that is not installed is a usage
    error naming it and the install command (any other missing module is still a bug)."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> int:
            try:
                return func(*args, **kwargs)
            except ModuleNotFoundError as exc:
                package = TRAIN_EXTRA.get((exc.name or "").partition(".")[0])
                if package is None:
                    raise
                raise UsageError(
                    f"jumpdsl {verb} needs {package}, which is not installed: {INSTALL_TRAIN}"
                ) from None

        return run  # type: ignore[return-value]

    return wrap
