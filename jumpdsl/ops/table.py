"""The op table: an immutable mapping of op names to entries, made per check from the core ops
and the plugins asked for, and recorded on the graph (``graph.ops``), so every stage and
backend reads the table its graph was lowered with. There is no table that plugins write into.

>>> from jumpdsl.ops import CORE
>>> CORE["conv"].name, "relu" in CORE, CORE.merges[:2], CORE.origin("conv") is None
('conv', True, ('add', 'mul'), True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jumpdsl import messages as M
from jumpdsl.ops.core import Op

__all__ = ["OpTable", "Plugin", "Unloaded"]


@dataclass(frozen=True)
class Plugin:
    """Where plugin ops come from: the module that defines them and, for an installed
    package's entry point, its distribution."""

    module: str
    dist: str | None = None

    def describe(self) -> str:
        return f"'{self.module}'" + (f" (package {self.dist})" if self.dist else "")


@dataclass(frozen=True)
class Unloaded:
    """An op an installed package offers (an entry point in ``jumpdsl.ops``) that is not in
    the table, and why: autoloading was off, or loading it failed."""

    plugin: Plugin
    reason: str


class OpTable(Mapping[str, Op]):
    """Op name → :class:`~jumpdsl.ops.core.Op`, in a fixed order (the core's, then each
    plugin's). ``origin(name)`` is the plugin an op came from (None for the core);
    ``unloaded`` the installed plugin ops that are not in it, for hints."""

    def __init__(
        self,
        ops: Iterable[Op],
        origins: Mapping[str, Plugin] | None = None,
        unloaded: Mapping[str, Unloaded] | None = None,
    ) -> None:
        self._ops: dict[str, Op] = {}
        for op in ops:
            if op.name in self._ops:
                raise ValueError(f"op '{op.name}' is in the table twice")
            self._ops[op.name] = op
        self._origins = dict(origins or {})
        self.unloaded: Mapping[str, Unloaded] = dict(unloaded or {})
        self.merges: tuple[str, ...] = tuple(n for n, op in self._ops.items() if op.merge)
        # Another framework's name of an op, folded (lower case, no '_') → the op's name here.
        self._aliases = {_folded(a): op.name for op in self._ops.values() for a in op.aliases}
        self._aliases.update({_folded(name): name for name in self._ops})

    def __getitem__(self, name: str) -> Op:
        return self._ops[name]

    def get(self, name: str, default: Any = None) -> Any:  # a dict's speed: lowering asks often
        return self._ops.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __iter__(self) -> Iterator[str]:
        return iter(self._ops)

    def __len__(self) -> int:
        return len(self._ops)

    def __repr__(self) -> str:
        plugins = sorted({p.module for p in self._origins.values()})
        return f"OpTable({len(self)} ops, plugins {plugins})"

    def origin(self, name: str) -> Plugin | None:
        """The plugin op ``name`` came from; None for a core op."""
        return self._origins.get(name)

    def unknown_hint(self, name: str, others: Iterable[str] = ()) -> str | None:
        """The hint for an unknown op ``name``: the installed plugin that offers it, the op
        its PyTorch or Keras name means (``BatchNorm2d``: ``bn``), or the names close to it
        (ops, the ``others`` such as templates, unloaded plugin ops)."""
        missing = self.unloaded.get(name)
        if missing is not None:
            return M.plugin_offers(name, missing.plugin.module, missing.plugin.dist, missing.reason)
        meant = self._aliases.get(_folded(name))
        if meant is not None and meant != name:
            return M.framework_name(name, meant)
        return M.did_you_mean(name, [*self, *others, *self.unloaded])

    def plugins(self) -> tuple[Plugin, ...]:
        """The plugins in the table, in the order their ops come."""
        return tuple(dict.fromkeys(self._origins.values()))


def _folded(name: str) -> str:
    return name.lower().replace("_", "")
