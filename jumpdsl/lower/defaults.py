"""A network's ``defaults { … }``: attribute values that replace the op table's defaults.

``conv.bias = false`` sets one op's attribute; a bare ``init = he_normal`` sets it on every op
that has the attribute and whose checker accepts the value (``init = 1e-6`` reaches
``layerscale`` but not ``conv``); a value no op accepts is an error. Values are checked where
they are set, by each op's own checker.
"""

from __future__ import annotations

from collections.abc import Mapping

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink, Label, Reported
from jumpdsl.ir.evaluate import evaluate
from jumpdsl.ir.values import Value
from jumpdsl.lower.binding import report_attr_error
from jumpdsl.messages import did_you_mean
from jumpdsl.ops.core import AttrError, Op
from jumpdsl.ops.table import OpTable
from jumpdsl.syntax import ast

__all__ = ["OpDefaults", "read_defaults"]

# op name → attribute → value
OpDefaults = dict[str, dict[str, Value]]


def read_defaults(
    defaults: ast.Defaults,
    env: Mapping[str, Value],
    ops: OpTable,
    table: OpDefaults,
    sink: DiagnosticSink,
) -> None:
    """Add the block's settings to ``table``; a bad one is reported and left out, and so is
    a second setting of the same default (the first is kept)."""
    first: dict[tuple[str, ...], ast.Setting] = {}
    for setting in defaults.settings:
        if setting.path in first:
            label = Label(first[setting.path].span, M.NOTE_FIRST_DEFINED)
            name = ".".join(setting.path)
            sink.report(M.DUPLICATE_NAME, setting.span, labels=(label,), what="default", name=name)
            continue
        first[setting.path] = setting
        try:
            value = evaluate(setting.value, env, sink)
            attr, targets = _targets(setting, ops, sink)
        except Reported:
            continue
        # Each op checks the value itself; a bare setting reaches the ops that accept it.
        refusals: list[AttrError] = []
        for spec in targets:
            try:
                spec.attr_index[attr].coerce(value)
            except AttrError as err:
                refusals.append(err)
                continue
            table.setdefault(spec.name, {})[attr] = value
        if len(refusals) == len(targets):
            report_attr_error(refusals[0], f"default '{attr}'", value, setting.value.span, sink)


def _targets(setting: ast.Setting, ops: OpTable, sink: DiagnosticSink) -> tuple[str, list[Op]]:
    """The attribute a setting names and the ops it applies to."""
    hint: str | None
    if len(setting.path) == 1:
        attr = setting.path[0]
        targets = [spec for spec in ops.values() if attr in spec.attr_index]
        if not targets:
            every = {a.name for s in ops.values() for a in s.attrs}
            hint = did_you_mean(attr, every)
            sink.fail(M.UNKNOWN_NAME, setting.span, hint=hint, what="attribute", name=attr)
        return attr, targets
    if len(setting.path) == 2:
        op, attr = setting.path
        spec = ops.get(op)
        if spec is None:
            hint = ops.unknown_hint(op)
            sink.fail(M.UNKNOWN_NAME, setting.span, hint=hint, what="op", name=op)
        if attr not in spec.attr_index:
            sink.fail(
                M.UNKNOWN_NAME,
                setting.span,
                hint=did_you_mean(attr, spec.attr_index),
                what="attribute",
                name=attr,
                where=f" of {op}",
            )
        return attr, [spec]
    sink.fail(M.NOT_A_DEFAULT, setting.span, path=".".join(setting.path))
