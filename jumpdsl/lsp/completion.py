"""Completion: ops (with their attributes and defaults), templates, parameters and variables in
scope, keywords (read from the grammar), merges after ``skip``/``jump``/``branch``, tensor
names after ``from``, an op's attributes after ``op.`` (in ``defaults``) and as ``name=``
inside a call, and ``use`` paths (the standard library, and specs beside the file).

Works on the text as it is being typed; the names known come from the last analysis that
parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jumpdsl.api import STDLIB
from jumpdsl.ir.evaluate import CONSTANTS
from jumpdsl.lsp.analysis import Workspace
from jumpdsl.lsp.locate import names_of
from jumpdsl.lsp.names import Definition, Names
from jumpdsl.lsp.signatures import (
    call_at,
    is_op,
    merge_names,
    op_doc,
    op_names,
    op_signature,
    template_signature,
)
from jumpdsl.syntax.grammar import keywords

__all__ = ["Completion", "complete", "keywords"]


@dataclass(frozen=True)
class Completion:
    """One proposal: ``kind`` is op, template, keyword, parameter, variable, attribute, merge,
    tensor or file; ``insert`` the text put in (the label when None)."""

    label: str
    kind: str
    detail: str = ""
    doc: str = ""
    insert: str | None = None


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def complete(ws: Workspace, file: Path, line: int, column: int) -> list[Completion]:
    """What may be typed at a 1-based position of an open file."""
    text = ws.texts.get(file, ("", None))[0].split("\n")
    before = text[line - 1][: column - 1] if line <= len(text) else ""
    read = names_of(ws, file)
    names = read[1] if read else None
    templates = read[0].templates() if read else {}
    source = read[0] if read else None
    use = re.search(r'\buse\s+["\']([^"\']*)$', before)
    if use is not None:
        return _use_paths(file)
    typed = _WORD.search(before)
    head = before[: typed.start()] if typed else before
    if re.search(r"\b(skip|jump|branch)\s+$", head):
        return [Completion(m, "merge", "merge", op_doc(m)) for m in merge_names()]
    if re.search(r"\bfrom\s+$", head):
        return _tensors(names, line)
    dotted = re.search(r"\b([A-Za-z_]\w*)\.$", head)
    if dotted is not None:
        return _attributes(dotted.group(1), "")
    call = call_at(before, column)
    items: list[Completion] = []
    if call is not None:
        callee = call[0]
        if is_op(callee):
            items += _attributes(callee, "=")
        elif callee in templates:
            definition = templates[callee]
            items += [
                Completion(f"{p.name}=", "parameter", f"parameter of {callee}")
                for p in definition.node.params
            ]
        return items + _variables(names, line)
    items += [Completion(k, "keyword") for k in keywords()]
    items += [Completion(c, "constant") for c in CONSTANTS]
    for op in op_names():
        items.append(Completion(op, "op", op_signature(op).label, op_doc(op)))
    for name, definition in templates.items():
        file_of = source.file_of(definition.span.path) if source else None
        sig = template_signature(definition, source.source(file_of) if source and file_of else None)
        items.append(Completion(name, "template", sig.label, sig.doc))
    return items + _variables(names, line)


def _attributes(op: str, suffix: str) -> list[Completion]:
    if not is_op(op):
        return []
    sig = op_signature(op)
    return [
        Completion(name + suffix, "attribute", sig.label[start:end], doc)
        for name, (start, end), doc in zip(sig.names, sig.offsets, sig.docs, strict=True)
    ]


def _enclosing(names: Names, line: int) -> set[str]:
    """The template or network the line is in, and the file (owner '')."""
    owners = {""}
    for definition in names.definitions:
        if definition.kind in ("template", "network"):
            span = definition.node.span
            if span.line <= line <= span.end_line:
                owners.add(definition.name)
    return owners


def _variables(names: Names | None, line: int) -> list[Completion]:
    if names is None:
        return []
    owners = _enclosing(names, line)
    seen: dict[str, Definition] = {}
    for definition in names.definitions:
        if definition.kind in ("parameter", "variable") and definition.owner in owners:
            seen.setdefault(definition.name, definition)
    return [Completion(n, d.kind, f"{d.kind} of {d.owner or 'the file'}") for n, d in seen.items()]


def _tensors(names: Names | None, line: int) -> list[Completion]:
    if names is None:
        return []
    owners = _enclosing(names, line)
    found = {d.name for d in names.definitions if d.kind == "tensor" and d.owner in owners}
    return [Completion(n, "tensor", "tensor named with 'as'") for n in sorted(found)]


def _use_paths(file: Path) -> list[Completion]:
    items = [
        Completion(f"std/{p.name}", "file", "standard library")
        for p in sorted(STDLIB.glob("*.jnet"))
    ]
    folder = file.parent
    if folder.is_dir():
        for path in sorted(folder.glob("**/*.jnet")):
            relative = path.relative_to(folder)
            if path != file and len(relative.parts) <= 3:
                items.append(Completion(relative.as_posix(), "file", "beside this file"))
    return items
