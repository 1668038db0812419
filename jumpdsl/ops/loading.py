"""A check's op table: the core ops, the plugins asked for by name (``--plugin MODULE``,
``plugins=[...]``), and the ops installed packages offer as entry points in the group
``jumpdsl.ops``.

An entry point's name is the op's name and its value the module that defines it (or the
``Op`` itself, ``module:NAME``): jumpdsl knows which package offers an op without importing
anything, and imports a package's module only when a spec names one of its ops. Installing a
package is the user's consent, as with pytest plugins; ``JUMPDSL_NO_PLUGINS=1`` or
``--no-plugins`` turns that off (an op a package would give then says which plugin to load).
A spec never loads code itself.

A plugin's op may not take a core op's name or another plugin's; a plugin that cannot be
loaded raises :class:`PluginError`. A plugin op that raises in its shape rule, counts, builder
or label gets a diagnostic naming the plugin and the op (:func:`guarded`), never jumpdsl's
internal-error exit.

>>> op_table(autoload=False) is not None, "conv" in op_table(autoload=False)
(True, True)
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any, NamedTuple, TypeVar

from jumpdsl import messages as M
from jumpdsl.ops import CORE
from jumpdsl.ops.core import Op, OpFailed, ShapeError
from jumpdsl.ops.table import OpTable, Plugin, Unloaded

__all__ = [
    "ENTRY_POINT_GROUP",
    "NO_PLUGINS_ENV",
    "Offer",
    "PluginError",
    "autoload_enabled",
    "guarded",
    "installed",
    "op_table",
    "plugin_ops",
]

ENTRY_POINT_GROUP = "jumpdsl.ops"
NO_PLUGINS_ENV = "JUMPDSL_NO_PLUGINS"


class PluginError(Exception):
    """A plugin that cannot be loaded: ``plugin`` names it, the message says why, ``hint``
    (when not the usual one) how to fix it."""

    def __init__(self, plugin: str, reason: str, hint: str | None = None) -> None:
        super().__init__(f"cannot load plugin '{plugin}': {reason}")
        self.plugin = plugin
        self.reason = reason
        self.hint = hint


class Offer(NamedTuple):
    """An op an installed package offers: the entry point's value and its distribution."""

    name: str
    value: str  # "package.module" or "package.module:ATTRIBUTE"
    dist: str | None

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()


def autoload_enabled(autoload: bool | None = None) -> bool:
    """Whether installed plugins load by themselves: ``autoload`` when given, else unless the
    environment sets ``JUMPDSL_NO_PLUGINS`` (to anything but empty or 0)."""
    if autoload is not None:
        return autoload
    return os.environ.get(NO_PLUGINS_ENV, "") in ("", "0")


# ---------------------------------------------------------------- guarding a plugin's code

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F, op: str, plugin: Plugin, stage: str, shape_stage: bool) -> F:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ShapeError, OpFailed):
            raise
        except Exception as exc:
            fields = {
                "op": op,
                "plugin": plugin.describe(),
                "stage": stage,
                "error": f"{type(exc).__name__}: {exc}",
            }
            if shape_stage:  # reported by the shape pass at the node, like any shape problem
                raise ShapeError(M.PLUGIN_OP_FAILED, **fields) from None
            raise OpFailed(M.PLUGIN_OP_FAILED, **fields) from None

    return call  # type: ignore[return-value]


def guarded(op: Op, plugin: Plugin) -> Op:
    """``op`` with its code wrapped: an exception from the plugin becomes a diagnostic that
    names the plugin and the op (a :class:`ShapeError` from the shape rule and the counts, an
    :class:`OpFailed` from the builder and the label)."""
    return dataclasses.replace(
        op,
        shape=_guard(op.shape, op.name, plugin, "shape rule", True),
        params=_guard(op.params, op.name, plugin, "parameter count", True),
        macs=_guard(op.macs, op.name, plugin, "MAC count", True),
        build=_guard(op.build, op.name, plugin, "torch builder", False),
        label=_guard(op.label, op.name, plugin, "label", False),
    )


# ---------------------------------------------------------------- loading plugins


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception as exc:  # the plugin's own import error, whatever it is
        raise PluginError(module, f"{type(exc).__name__}: {exc}") from None


def _checked(found: Any, module: str) -> tuple[Op, ...]:
    if isinstance(found, Op):
        return (found,)
    if not isinstance(found, (list, tuple)) or not all(isinstance(op, Op) for op in found):
        raise PluginError(module, "its OPS is not a tuple of Op entries", M.HINT_PLUGIN_OPS)
    return tuple(found)


def plugin_ops(module: str, attribute: str = "OPS") -> tuple[Op, ...]:
    """The ops a plugin module defines (its ``OPS``, or another attribute), not yet guarded."""
    loaded = _import(module)
    found = loaded
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise PluginError(module, f"it has no '{attribute}'", M.HINT_PLUGIN_OPS)
        found = getattr(found, part)
    return _checked(found, module)


def _search_path_key() -> tuple[tuple[str, int], ...]:
    """What the installed packages depend on: the search path and each folder's mtime (an
    install or uninstall changes it), so the list is read again after one."""
    key = []
    for entry in sys.path:
        try:
            key.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            key.append((entry, -1))
    return tuple(key)


def _may_offer(folders: Sequence[str]) -> bool:
    """Whether any installed package's entry points mention the group: a quick look at the
    metadata folders' ``entry_points.txt`` (importlib.metadata costs a check a tenth more)."""
    for folder in folders:
        try:
            entries = [e for e in os.scandir(folder or ".") if e.name.endswith(_INFO)]
        except OSError:
            continue
        for entry in entries:
            try:
                with open(os.path.join(entry.path, "entry_points.txt"), "rb") as handle:
                    if ENTRY_POINT_GROUP.encode() in handle.read():
                        return True
            except OSError:
                continue
    return False


_INFO = (".dist-info", ".egg-info")


@functools.lru_cache(maxsize=8)
def _offers(key: tuple[tuple[str, int], ...]) -> tuple[Offer, ...]:
    if not _may_offer([folder for folder, _ in key]):
        return ()
    from importlib import metadata  # only where a package may offer ops: it is slow to load

    found: dict[str, Offer] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(getattr(entry, "dist", None), "name", None)
        found.setdefault(entry.name, Offer(entry.name, entry.value, dist))
    return tuple(found[name] for name in sorted(found))


def installed() -> dict[str, Offer]:
    """Op name → the installed package that offers it (entry points in ``jumpdsl.ops``);
    nothing is imported. An entry point named like a core op is left out: it is refused."""
    return {o.name: o for o in _offers(_search_path_key()) if o.name not in CORE}


def _from_offer(offer: Offer) -> Op:
    module, _, attribute = offer.value.partition(":")
    ops = plugin_ops(module.strip(), attribute.strip() or "OPS")
    named = [op for op in ops if op.name == offer.name]
    if not named:
        raise PluginError(module, f"its entry point '{offer.name}' names no op '{offer.name}'")
    return named[0]


def op_table(
    plugins: Sequence[str] = (),
    *,
    names: Collection[str] | None = None,
    autoload: bool | None = None,
) -> OpTable:
    """The core ops, every op of each module in ``plugins``, and (when autoloading) each
    installed op whose name is in ``names`` (all of them when ``names`` is None).

    Raises :class:`PluginError` for a plugin in ``plugins`` that cannot be loaded or whose op
    takes a name already taken. An installed op that fails to load, or is left out because
    autoloading is off, is listed in the table's ``unloaded``, for the hint of an unknown op.
    """
    ops: list[Op] = list(CORE.values())
    origins: dict[str, Plugin] = {}

    def add(op: Op, plugin: Plugin) -> None:
        if op.name in CORE:
            raise PluginError(
                plugin.module, f"it defines op '{op.name}', which is a core op", M.HINT_RENAME_OP
            )
        if op.name in origins:
            other = origins[op.name].describe()
            reason = f"op '{op.name}' is defined by {other} too"
            raise PluginError(plugin.module, reason, M.HINT_RENAME_OP)
        ops.append(guarded(op, plugin))
        origins[op.name] = plugin

    for module in dict.fromkeys(plugins):
        for op in plugin_ops(module):
            add(op, Plugin(module))
    unloaded: dict[str, Unloaded] = {}
    enabled = autoload_enabled(autoload)
    for name, offer in installed().items():
        if name in origins or (names is not None and name not in names):
            continue
        plugin = Plugin(offer.module, offer.dist)
        if not enabled:
            unloaded[name] = Unloaded(plugin, M.autoload_off(offer.module))
            continue
        try:
            add(_from_offer(offer), plugin)
        except PluginError as exc:
            unloaded[name] = Unloaded(plugin, M.load_failed(exc.reason))
    return OpTable(ops, origins, unloaded)
