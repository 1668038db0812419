"""What each name in a file means: its definitions (templates, parameters, variables, tensor
names, the network) and its references (calls, variables, keyword arguments, ``from NAME``,
merges, defaults, ``use`` paths), each with the span of the name itself.

Scopes follow lowering: a template sees its parameters and the values where it is defined
(the file's ``let`` values, or the network's when it is defined inside the network); a section
sees the network's; ``let`` and loop variables stay in the template or section that runs them
(a name means its latest definition before the use). Tensor names belong to a template
instance or to the network's sections. A template is found by name among every file the spec
brings in: :meth:`Names.resolve` does that with the templates of all of them.

>>> from jumpdsl.source import SourceFile
>>> from jumpdsl.syntax.parser import parse
>>> from jumpdsl.diagnostics import DiagnosticSink
>>> src = SourceFile("t.jnet", "block B(c: int) { conv(c, 3x3) }\\nnetwork T { stem { B(c=4) } }")
>>> names = Names.of(parse(src, DiagnosticSink()), src)
>>> [(r.kind, r.name, r.definition and r.definition.kind) for r in names.references][:2]
[('call', 'conv', None), ('variable', 'c', 'parameter')]
>>> [(r.kind, r.name, r.definition) for r in names.references][2:]
[('call', 'B', None), ('keyword', 'c', None)]
>>> names.resolve(names.references[3], names.templates, names.parameters).span.describe()
't.jnet:1:9'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jumpdsl.source import SourceFile, Span
from jumpdsl.syntax import ast

__all__ = ["Definition", "Names", "Reference", "word_span"]


@dataclass(frozen=True)
class Definition:
    """A name where it is defined: ``kind`` is template, parameter, variable, tensor or
    network; ``owner`` the template or network it belongs to ('' for the file); ``node`` the
    AST node (a Template, Param, Let, Target, Mark or Network)."""

    kind: str
    name: str
    span: Span
    owner: str
    node: Any


@dataclass(frozen=True)
class Reference:
    """A name where it is used: ``kind`` is call, variable, keyword (``name=`` in a call of
    ``callee``), tensor (``from NAME``), merge, attribute (a default's ``op.attr``) or use
    (a ``use`` path); ``statement`` the statement it stands in (a call, shortcut or branch:
    where its layers come from); ``definition`` what it means in this file, when it can tell."""

    kind: str
    name: str
    span: Span
    definition: Definition | None = None
    statement: Span | None = None
    callee: str | None = None


def word_span(source: SourceFile, within: Span, word: str, after: str | None = None) -> Span:
    """The span of ``word`` (a whole word) inside ``within``, past the word ``after`` if given;
    ``within``'s start where it is not found."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    skip = re.compile(rf"\b{re.escape(after)}\b") if after else None
    for line in range(within.line, within.end_line + 1):
        text = source.line_text(line)
        start = within.column - 1 if line == within.line else 0
        end = within.end_column - 1 if line == within.end_line else len(text)
        if skip is not None:
            found = skip.search(text, start, end)
            if found is None:
                continue
            start, skip = found.end(), None
        match = pattern.search(text, start, end)
        if match is not None:
            return Span(within.path, line, match.start() + 1, line, match.end() + 1)
    return Span(within.path, within.line, within.column, within.line, within.column + len(word))


def _name_at_start(span: Span, name: str) -> Span:
    return Span(span.path, span.line, span.column, span.line, span.column + len(name))


class _Scope:
    """Names visible at a point: own definitions, then the parent's."""

    def __init__(self, parent: _Scope | None, owner: str) -> None:
        self.parent = parent
        self.owner = owner
        self.names: dict[str, Definition] = {}
        self.tensors: dict[str, Definition] = {}

    def find(self, name: str) -> Definition | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


@dataclass
class Names:
    """The definitions and references of one file, in source order."""

    definitions: list[Definition] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    templates: dict[str, Definition] = field(default_factory=dict)
    parameters: dict[str, dict[str, Definition]] = field(default_factory=dict)  # by template

    @classmethod
    def of(cls, module: ast.Module, source: SourceFile) -> Names:
        names = cls()
        _Walker(names, source).module(module)
        return names

    def resolve(
        self,
        ref: Reference,
        templates: Mapping[str, Definition],
        parameters: Mapping[str, Mapping[str, Definition]],
    ) -> Definition | None:
        """What ``ref`` means, with the templates (and their parameters) of every file the
        spec brings in."""
        if ref.definition is not None:
            return ref.definition
        if ref.kind in ("call", "variable"):
            return templates.get(ref.name)
        if ref.kind == "keyword" and ref.callee is not None:
            return parameters.get(ref.callee, {}).get(ref.name)
        return None

    def at(self, line: int, column: int) -> Reference | Definition | None:
        """The reference or definition whose name contains (or ends at) the position."""
        items: list[Reference | Definition] = [*self.references, *self.definitions]
        for item in items:
            span = item.span
            if (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column):
                return item
        return None


class _Walker:
    def __init__(self, names: Names, source: SourceFile) -> None:
        self.names = names
        self.source = source

    def define(self, scope: _Scope, kind: str, name: str, span: Span, node: Any) -> Definition:
        definition = Definition(kind, name, span, scope.owner, node)
        self.names.definitions.append(definition)
        if kind == "tensor":
            scope.tensors.setdefault(name, definition)
        else:
            scope.names[name] = definition
        return definition

    def refer(self, ref: Reference) -> None:
        self.names.references.append(ref)

    # ------------------------------------------------------------ declarations
    def module(self, module: ast.Module) -> None:
        scope = _Scope(None, "")
        for item in module.items:
            if isinstance(item, ast.Use):
                self.refer(Reference("use", item.path, item.span))
            elif isinstance(item, ast.Let):
                self.let(item, scope)
            elif isinstance(item, ast.Function):
                self.function(item, scope)
            elif isinstance(item, ast.Template):
                self.template(item, scope)
            elif isinstance(item, ast.Network):
                self.network(item, scope)

    def params(self, params: Iterable[ast.Param], scope: _Scope) -> dict[str, Definition]:
        found = {}
        for param in params:
            if param.default is not None:
                self.expr(param.default, scope)
            span = _name_at_start(param.span, param.name)
            found[param.name] = self.define(scope, "parameter", param.name, span, param)
            if param.type is not None and param.type.name == "tensor":
                scope.tensors.setdefault(param.name, found[param.name])  # `from across`
        return found

    def template(self, tpl: ast.Template, parent: _Scope) -> None:
        definition = Definition("template", tpl.name, tpl.name_span, parent.owner, tpl)
        self.names.definitions.append(definition)
        self.names.templates.setdefault(tpl.name, definition)
        scope = _Scope(parent, tpl.name)
        self.names.parameters.setdefault(tpl.name, self.params(tpl.params, scope))
        self.stmts(tpl.body, scope)

    def network(self, net: ast.Network, parent: _Scope) -> None:
        scope = _Scope(parent, net.name)
        self.names.definitions.append(Definition("network", net.name, net.name_span, "", net))
        self.params(net.params, scope)
        for item in net.items:
            if isinstance(item, ast.Let):
                self.let(item, scope)
            elif isinstance(item, ast.Function):
                self.function(item, scope)
            elif isinstance(item, ast.InputDecl):
                self.expr(item.shape, scope)
            elif isinstance(item, ast.Defaults):
                for setting in item.settings:
                    span = _name_at_start(setting.span, ".".join(setting.path))
                    self.refer(Reference("attribute", ".".join(setting.path), span))
                    self.expr(setting.value, scope)
            elif isinstance(item, ast.Template):
                self.template(item, scope)
            elif isinstance(item, ast.Section):
                self.stmts(item.body, scope)

    def function(self, fn: ast.Function, parent: _Scope) -> None:
        """A ``fn``: a name like a let's (it is called in expressions), its parameters and
        lets in a scope of their own."""
        self.define(parent, "variable", fn.name, fn.name_span, fn)
        scope = _Scope(parent, fn.name)  # its parameters are offered only inside it
        self.params(fn.params, scope)
        for let in fn.lets:
            self.let(let, scope)
        self.expr(fn.result, scope)

    def let(self, let: ast.Let, scope: _Scope) -> None:
        self.expr(let.value, scope)
        self.define(scope, "variable", let.name, word_span(self.source, let.span, let.name), let)

    # ------------------------------------------------------------ statements
    def stmts(self, body: Iterable[ast.Stmt], scope: _Scope) -> None:
        for stmt in body:
            self.stmt(stmt, scope)

    def stmt(self, stmt: ast.Stmt, scope: _Scope) -> None:
        if isinstance(stmt, ast.Call):
            self.call(stmt, scope)
        elif isinstance(stmt, ast.Repeat):
            self.expr(stmt.count, scope)
            self.stmts(stmt.body, scope)
        elif isinstance(stmt, ast.Shortcut):
            self.refer(Reference("merge", stmt.merge, stmt.merge_span, statement=stmt.span))
            if stmt.origin is not None:
                span = word_span(self.source, stmt.span, stmt.origin, after="from")
                self.refer(Reference("tensor", stmt.origin, span, scope.tensors.get(stmt.origin)))
            if stmt.origin_index is not None:
                self.expr(stmt.origin_index, scope)
            self.stmts(stmt.path or (), scope)
        elif isinstance(stmt, ast.Branch):
            self.refer(Reference("merge", stmt.merge, stmt.merge_span, statement=stmt.span))
            for arm in stmt.arms:
                self.stmts(arm, scope)
        elif isinstance(stmt, ast.For):
            self.expr(stmt.iterable, scope)
            self.targets(stmt.target, scope)
            self.stmts(stmt.body, scope)
        elif isinstance(stmt, ast.If):
            self.expr(stmt.cond, scope)
            self.stmts(stmt.then, scope)
            self.stmts(stmt.orelse or (), scope)
        elif isinstance(stmt, ast.Let):
            self.let(stmt, scope)
        elif isinstance(stmt, ast.Mark):
            span = word_span(self.source, stmt.span, stmt.name, after="as")
            if stmt.index is not None:
                self.expr(stmt.index, scope)
            if stmt.index is None or stmt.name not in scope.tensors:  # `as enc[i]`: one name
                self.define(scope, "tensor", stmt.name, span, stmt)

    def call(self, call: ast.Call, scope: _Scope) -> None:
        variable = scope.find(call.name)
        kind = "variable" if variable is not None else "call"
        self.refer(Reference(kind, call.name, call.name_span, variable, call.span))
        for arg in call.args or ():
            if arg.name is not None:
                span = _name_at_start(arg.span, arg.name)
                self.refer(Reference("keyword", arg.name, span, None, call.span, call.name))
            self.expr(arg.value, scope)
        if call.count is not None:
            self.expr(call.count, scope)

    def targets(self, target: ast.Target | ast.TargetTuple, scope: _Scope) -> None:
        if isinstance(target, ast.Target):
            self.define(scope, "variable", target.name, target.span, target)
            return
        for item in target.items:
            self.targets(item, scope)

    def expr(self, expr: ast.Expr, scope: _Scope) -> None:
        for node, _ in ast.walk(expr):
            if isinstance(node, ast.Var):
                self.refer(Reference("variable", node.name, node.span, scope.find(node.name)))
            elif isinstance(node, ast.Func) and scope.find(node.name) is not None:
                span = _name_at_start(node.span, node.name)  # a call of a `fn`
                self.refer(Reference("variable", node.name, span, scope.find(node.name)))
