"""Hovers: on a layer, a template call or definition, a parameter or a tensor name, every
instance it expands to with its shapes in and out, parameters and MACs, then the op's or the
template's documentation (a template's doc is the comment right above its definition).

Instances come from every open spec that reads the file: hovering a block in the standard
library lists its instances in each open network that uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jumpdsl.ir.values import show_value
from jumpdsl.lower.templates import IN_CHANNELS
from jumpdsl.lsp.analysis import Analysis, Workspace
from jumpdsl.lsp.index import Index, Instance, span_key
from jumpdsl.lsp.locate import Found, found_at
from jumpdsl.lsp.names import Definition, Reference
from jumpdsl.lsp.signatures import (
    attr_doc,
    is_op,
    op_doc,
    op_signature,
    template_doc,
    template_signature,
)
from jumpdsl.ops.core import Shape, format_shape
from jumpdsl.source import Span
from jumpdsl.syntax.printer import expr_text, type_text

__all__ = ["MAX_ROWS", "Hover", "hover"]

MAX_ROWS = 64  # instances listed in one hover; the rest are counted


@dataclass(frozen=True)
class Hover:
    """Markdown for the name at ``span``."""

    text: str
    span: Span


def hover(ws: Workspace, file: Path, line: int, column: int) -> Hover | None:
    """The hover at a 1-based position of an open file, or None where there is nothing."""
    found = found_at(ws, file, line, column)
    if found is None:
        return None
    text = _describe(ws, file, found)
    return Hover(text, found.item.span) if text else None


def _describe(ws: Workspace, file: Path, found: Found) -> str | None:
    item, definition = found.item, found.definition
    if isinstance(item, Reference):
        if item.kind == "use":
            return _use(found.analysis, item)
        if item.kind == "attribute":
            op, _, attr = item.name.partition(".")
            return attr_doc(op, attr) if attr else None
        if item.kind == "keyword" and definition is None and item.callee and is_op(item.callee):
            return attr_doc(item.callee, item.name)
        if item.kind in ("call", "merge") and definition is None and is_op(item.name):
            statement = item.statement
            assert statement is not None
            rows = _instances(ws, file, lambda index, key: index.nodes.get(key(statement)))
            return _join(
                _header(item.name, "op", rows),
                _code(op_signature(item.name).label),
                _table(rows),
                op_doc(item.name),
            )
        if item.kind == "call" and definition is not None and definition.kind == "template":
            call = item.statement
            assert call is not None
            rows = _instances(ws, file, lambda index, key: index.calls.get(key(call)))
            return _template(found, definition, rows, "call")
        if item.kind == "variable" and definition is None:
            return _word(item.name)
    if definition is None:
        return None
    if definition.kind == "template":
        rows = _instances(
            ws, found.file or file, lambda index, _: index.templates.get(definition.name)
        )
        return _template(found, definition, rows, "template")
    if definition.kind == "parameter":
        return _parameter(ws, found, definition)
    if definition.kind == "tensor":
        where = found.file or file
        rows = _instances(
            ws, where, lambda index, key: index.tensors.get(key(definition.node.span))
        )
        return _join(_header(definition.name, "tensor", rows), _table(rows))
    if definition.kind == "network":
        return _network(found.analysis, definition)
    if definition.kind == "variable":
        return _join(f"**{definition.name}** · variable", _code(_statement(found, definition)))
    return None


# ------------------------------------------------------------ instances

Lookup = Callable[[Index, Callable[[Span], tuple[str, int, int, int, int]]], list[Instance] | None]


@dataclass(frozen=True)
class _Rows:
    """Instances found, by the spec (network) that made them."""

    groups: list[tuple[str, list[Instance]]]

    @property
    def count(self) -> int:
        return sum(len(rows) for _, rows in self.groups)


def _instances(ws: Workspace, file: Path, lookup: Lookup) -> _Rows:
    groups: list[tuple[str, list[Instance]]] = []
    for user in ws.users(file):
        shaped = user.shapes()
        if shaped is None or shaped.index.graph is None:
            continue

        def key(
            span: Span, files: dict[str, Path] = shaped.files
        ) -> tuple[str, int, int, int, int]:
            return span_key(file if span.path not in files else files[span.path], span)

        rows = lookup(shaped.index, key)
        if rows:
            label = f"{shaped.index.graph.name} ({shaped.checked.path})"
            groups.append((label, rows))
    return _Rows(groups)


def _shape(shape: Shape | None) -> str:
    return "?" if shape is None else format_shape(shape)


def _table(rows: _Rows, values: str | None = None) -> str:
    if not rows.count:
        return "_no instances: open a spec that uses it, or fix its errors_"
    head = "| instance |" + (" value |" if values else "") + " in | out | params | MACs |"
    rule = "|---|" + ("---|" if values else "") + "---|---|---:|---:|"
    out: list[str] = []
    shown = 0
    for label, instances in rows.groups:
        if len(rows.groups) > 1 or not out:
            out += [f"{label}:", "", head, rule]
        for inst in instances:
            if shown == MAX_ROWS:
                break
            shown += 1
            value = f" {show_value(dict(inst.values)[values])} |" if values else ""
            ins = ", ".join(_shape(s) for s in inst.in_shapes) or "—"
            out_shape = _shape(inst.shape) if inst.failure is None else f"✗ {inst.failure}"
            out.append(
                f"| `{inst.path}` |{value} {ins} | {out_shape} | {inst.params:,} | {inst.macs:,} |"
            )
        out.append("")
    if rows.count > shown:
        out.append(f"… and {rows.count - shown} more")
    if rows.count > 1:
        params = sum(i.params for _, group in rows.groups for i in group)
        macs = sum(i.macs for _, group in rows.groups for i in group)
        out.append(f"{rows.count} instances: {params:,} parameters, {macs:,} MACs in all")
    return "\n".join(out).rstrip()


def _header(name: str, kind: str, rows: _Rows) -> str:
    count = rows.count
    return f"**{name}** · {kind} · {count} instance{'s' if count != 1 else ''}"


def _code(text: str) -> str:
    return f"```jnet\n{text}\n```"


def _join(*parts: str | None) -> str:
    return "\n\n".join(p for p in parts if p)


# ------------------------------------------------------------ kinds


def _template(found: Found, definition: Definition, rows: _Rows, what: str) -> str:
    source = found.analysis.source(found.file) if found.file else None
    tpl = definition.node
    sig = template_signature(definition, source)
    return _join(
        _header(definition.name, f"{tpl.kind} {what}", rows),
        _code(sig.label),
        _table(rows),
        template_doc(definition, source),
    )


def _parameter(ws: Workspace, found: Found, definition: Definition) -> str:
    param = definition.node
    text = param.name
    if param.type is not None:
        text += f": {type_text(param.type)}"
    if param.default is not None:
        text += f" = {expr_text(param.default)}"
    owner = definition.owner
    header = f"**{param.name}** · parameter of {owner}"
    templates = found.analysis.templates()
    file = found.file or found.analysis.file
    if owner in templates and templates[owner].node.span.path == definition.span.path:
        rows = _instances(ws, file, lambda index, _: index.templates.get(owner))
        return _join(header, _code(text), _table(rows, values=param.name))
    graph = found.analysis.index.graph
    value = None if graph is None else graph.params.get(param.name)
    now = f"value: `{show_value(value)}`" if value is not None else None
    return _join(header, _code(text), now)


def _network(analysis: Analysis, definition: Definition) -> str:
    graph = analysis.index.graph
    header = f"**{definition.name}** · network"
    if graph is None or not analysis.index.shaped:
        return header
    rows = [analysis.index.nodes.get(k, []) for k in analysis.index.nodes]
    params = sum(i.params for group in rows for i in group)
    macs = sum(i.macs for group in rows for i in group)
    out = analysis.index.nodes and _output_shape(analysis)
    return _join(
        header,
        f"{format_shape(graph.input_shape)} → {out} · {len(graph) - 1:,} layers · "
        f"{params:,} parameters · {macs:,} MACs",
    )


def _output_shape(analysis: Analysis) -> str:
    graph = analysis.index.graph
    assert graph is not None
    for group in analysis.index.nodes.values():
        for inst in group:
            if inst.path == graph.output:
                return _shape(inst.shape)
    return "?"


def _statement(found: Found, definition: Definition) -> str:
    source = found.analysis.source(found.file) if found.file else None
    span = definition.node.span
    return source.line_text(span.line).strip() if source is not None else definition.name


def _use(analysis: Analysis, item: Reference) -> str:
    path = item.name
    file = analysis.files.get(path) or next(
        (f for shown, f in analysis.files.items() if shown.endswith(path)), None
    )
    names = analysis.names.get(file) if file is not None else None
    lines = [f"**use** `{path}`" + (f" · {file}" if file else "")]
    if names is not None and names.templates:
        lines.append(", ".join(f"`{n}`" for n in names.templates))
    return _join(*lines)


def _word(name: str) -> str | None:
    if name == IN_CHANNELS:
        return f"**{IN_CHANNELS}** · the channel count of the template instance's input"
    return None
