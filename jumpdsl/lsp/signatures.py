"""What a callee takes: an op's attributes (from the op table, with defaults and docs) or a
template's parameters (with the comment above its definition as its doc), as a signature; and
signature help, the call the cursor is in and which argument it is at.

This is the one module of the server that reads the op table: the core's by default, or the
table a checked graph was lowered with (``graph.ops``, with its plugins' ops) where given.

>>> sig = op_signature("dense")
>>> sig.label, sig.names
('dense(units, bias=true, init=torch, bias_init=auto)', ('units', 'bias', 'init', 'bias_init'))
>>> call_at("conv(64, 3x3, stri", 19)
('conv', 2, 'stri')
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from jumpdsl.lsp.names import Definition
from jumpdsl.ops import CORE
from jumpdsl.ops.attrs import describe
from jumpdsl.ops.core import REQUIRED, Op
from jumpdsl.ops.table import OpTable
from jumpdsl.source import SourceFile
from jumpdsl.syntax import ast
from jumpdsl.syntax.printer import expr_text, type_text

__all__ = [
    "Signature",
    "attr_doc",
    "call_at",
    "is_op",
    "merge_names",
    "op_doc",
    "op_names",
    "op_signature",
    "template_doc",
    "template_signature",
]


@dataclass(frozen=True)
class Signature:
    """A callee as a one-line signature: ``label``, each parameter's offsets in it, names and
    docs, the callee's doc (markdown) and the parameter the cursor is at."""

    label: str
    offsets: tuple[tuple[int, int], ...]
    names: tuple[str, ...]
    docs: tuple[str, ...]
    doc: str
    active: int | None = None

    def at(self, position: int, keyword: str | None) -> Signature:
        """This signature with the argument at ``position`` (or named ``keyword``) active."""
        if keyword is not None and keyword in self.names:
            return replace(self, active=self.names.index(keyword))
        return replace(self, active=position if position < len(self.names) else None)


def _build(name: str, params: list[tuple[str, str]], docs: list[str], doc: str) -> Signature:
    label, offsets = name + "(", []
    for index, (_, text) in enumerate(params):
        if index:
            label += ", "
        offsets.append((len(label), len(label) + len(text)))
        label += text
    return Signature(label + ")", tuple(offsets), tuple(p for p, _ in params), tuple(docs), doc)


def is_op(name: str, ops: OpTable = CORE) -> bool:
    return name in ops


def op_names(ops: OpTable = CORE) -> list[str]:
    """The ops that stand in a sequence (not the merges)."""
    return [name for name, spec in ops.items() if not spec.merge]


def merge_names(ops: OpTable = CORE) -> list[str]:
    return list(ops.merges)


def _attr_text(spec: Op, index: int) -> str:
    """An attribute as a call writes it: ``stride=1x1``, or a bare name when required."""
    attr = spec.attrs[index]
    if attr.default is REQUIRED:
        return attr.name
    return f"{attr.name}={_default_text(attr.default)}"


def _attr_line(spec: Op, index: int) -> str:
    attr = spec.attrs[index]
    kind = f" ({attr.type_doc})" if attr.type_doc else ""
    return f"`{_attr_text(spec, index)}`{kind}: {attr.doc}"


def _default_text(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return describe(value)


def op_signature(name: str, ops: OpTable = CORE) -> Signature:
    spec = ops[name]
    params = [(a.name, _attr_text(spec, i)) for i, a in enumerate(spec.attrs)]
    docs = [_attr_line(spec, i) for i in range(len(spec.attrs))]
    return _build(name, params, docs, op_doc(name, ops))


def op_doc(name: str, ops: OpTable = CORE) -> str:
    """An op's documentation: what it does, its shape rule, its attributes."""
    spec = ops[name]
    lines = [spec.doc]
    if spec.shape_doc:
        lines += ["", f"Shape: {spec.shape_doc}"]
    if spec.attrs:
        lines.append("")
        lines += [f"- {_attr_line(spec, index)}" for index in range(len(spec.attrs))]
    return "\n".join(lines)


def attr_doc(op: str, attr: str, ops: OpTable = CORE) -> str | None:
    """One attribute of an op, for a hover on ``stride=`` or ``conv.bias``."""
    spec = ops.get(op)
    if spec is None or attr not in spec.attr_index:
        return None
    index = [a.name for a in spec.attrs].index(attr)
    return f"**{op}** {_attr_line(spec, index)}"


def template_doc(definition: Definition, source: SourceFile | None) -> str:
    """The comment lines right above a template's definition, as its doc."""
    if source is None:
        return ""
    lines: list[str] = []
    line = definition.node.span.line - 1
    while line >= 1 and source.line_text(line).lstrip().startswith("#"):
        lines.insert(0, source.line_text(line).lstrip()[1:].strip())
        line -= 1
    return "\n".join(lines)


def _param_text(param: ast.Param) -> str:
    text = param.name
    if param.type is not None:
        text += f": {type_text(param.type)}"
    if param.default is not None:
        text += f" = {expr_text(param.default)}"
    return text


def template_signature(definition: Definition, source: SourceFile | None) -> Signature:
    tpl: ast.Template = definition.node
    params = [(p.name, _param_text(p)) for p in tpl.params]
    doc = template_doc(definition, source)
    sig = _build(tpl.name, params, ["" for _ in params], doc)
    return replace(sig, label=f"{tpl.kind} {sig.label}", offsets=_shift(sig, len(tpl.kind) + 1))


def _shift(sig: Signature, by: int) -> tuple[tuple[int, int], ...]:
    return tuple((start + by, end + by) for start, end in sig.offsets)


_OPENERS, _CLOSERS = "([{", ")]}"


def call_at(line: str, column: int) -> tuple[str, int, str | None] | None:
    """The call the cursor stands in on ``line`` (``column`` 1-based): its callee, the index
    of the argument the cursor is at, and that argument's keyword when it has one."""
    depth, commas, quote = 0, 0, None
    text = line[: column - 1]
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in _CLOSERS:
            depth += 1
        elif char in _OPENERS:
            if depth == 0:
                if char != "(":
                    return None
                head = text[:index].rstrip()
                callee = _word_before(head)
                if callee is None:
                    return None
                current = _current_argument(text[index + 1 :])
                return callee, commas, current
            depth -= 1
        elif char == "," and depth == 0:
            commas += 1
    return None


def _word_before(text: str) -> str | None:
    end = len(text)
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    word = text[start:end]
    return word if word and not word[0].isdigit() else None


def _current_argument(text: str) -> str | None:
    """The keyword of the last argument in ``text`` (what follows the call's '(')."""
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        elif char == "," and depth == 0:
            start = index + 1
    current = text[start:].strip()
    if "=" in current and not current.startswith("="):
        name = current.split("=", 1)[0].strip()
        if name.isidentifier():
            return name
    return current if current.isidentifier() else None
