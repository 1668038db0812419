"""The outline of a file: document symbols (the network with its parameters, sections and the
templates it calls; each block and group with its parameters) and folding ranges (every
construct over several lines, and runs of comment lines).

>>> from jumpdsl.source import SourceFile
>>> from jumpdsl.syntax.parser import parse
>>> from jumpdsl.diagnostics import DiagnosticSink
>>> text = "block B(c: int) {\\n  conv(c, 3x3)\\n}\\nnetwork T {\\n  stem { B(4) }\\n}"
>>> src = SourceFile("t.jnet", text)
>>> module = parse(src, DiagnosticSink())
>>> [(s.name, s.kind, [c.name for c in s.children]) for s in symbols(module)]
[('B', 'block', ['c']), ('T', 'network', ['stem'])]
>>> folds(module, src)
[(1, 3, 'region'), (4, 6, 'region')]
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from jumpdsl.source import SourceFile, Span
from jumpdsl.syntax import ast

__all__ = ["Symbol", "folds", "symbols"]


@dataclass(frozen=True)
class Symbol:
    """``kind`` is network, block, group, function, section, parameter, defaults or call;
    ``span`` the whole construct, ``name_span`` its name."""

    name: str
    kind: str
    span: Span
    name_span: Span
    detail: str = ""
    children: list[Symbol] = field(default_factory=list)


def _param(param: ast.Param) -> Symbol:
    name = Span(
        param.span.path,
        param.span.line,
        param.span.column,
        param.span.line,
        param.span.column + len(param.name),
    )
    return Symbol(param.name, "parameter", param.span, name)


def _template(tpl: ast.Template) -> Symbol:
    return Symbol(
        tpl.name, tpl.kind, tpl.span, tpl.name_span, tpl.kind, [_param(p) for p in tpl.params]
    )


def _function(fn: ast.Function) -> Symbol:
    return Symbol(fn.name, "function", fn.span, fn.name_span, "fn", [_param(p) for p in fn.params])


def _calls(body: tuple[ast.Stmt, ...], templates: Collection[str]) -> list[Symbol]:
    """The calls of templates in a section, in order."""
    found: list[Symbol] = []
    for node, _ in ast.walk(body):
        if isinstance(node, ast.Call) and node.name in templates:
            found.append(Symbol(node.name, "call", node.span, node.name_span, "call"))
    return found


def _head(span: Span, words: int) -> Span:
    return Span(span.path, span.line, span.column, span.line, span.column + words)


def symbols(module: ast.Module, templates: Collection[str] = ()) -> list[Symbol]:
    """The file's symbols; a section lists its calls of ``templates``."""
    out: list[Symbol] = []
    for item in module.items:
        if isinstance(item, ast.Template):
            out.append(_template(item))
        elif isinstance(item, ast.Function):
            out.append(_function(item))
        elif isinstance(item, ast.Network):
            children = [_param(p) for p in item.params]
            for part in item.items:
                if isinstance(part, ast.Template):
                    children.append(_template(part))
                elif isinstance(part, ast.Function):
                    children.append(_function(part))
                elif isinstance(part, ast.Section):
                    children.append(
                        Symbol(
                            part.name,
                            "section",
                            part.span,
                            _head(part.span, len(part.name)),
                            "section",
                            _calls(part.body, templates),
                        )
                    )
                elif isinstance(part, ast.Defaults):
                    children.append(
                        Symbol("defaults", "defaults", part.span, _head(part.span, len("defaults")))
                    )
            out.append(Symbol(item.name, "network", item.span, item.name_span, "network", children))
    return out


def folds(module: ast.Module, source: SourceFile) -> list[tuple[int, int, str]]:
    """(first line, last line, 'region' or 'comment'), 1-based, in order."""
    found: set[tuple[int, int, str]] = set()
    for node, _ in ast.walk(module):
        span = getattr(node, "span", None)
        if (
            isinstance(span, Span)
            and span.end_line > span.line
            and not isinstance(node, (ast.Module, ast.Arg))
        ):
            found.add((span.line, span.end_line, "region"))
        params = getattr(node, "params", None)
        if isinstance(node, (ast.Network, ast.Template)) and params:
            last = params[-1].span.end_line
            if last > node.span.line:
                found.add((node.span.line, last, "region"))  # the parameter list
    start = None
    for number in range(1, len(source.lines) + 2):
        is_comment = source.line_text(number).lstrip().startswith("#")
        if is_comment and start is None:
            start = number
        elif not is_comment and start is not None:
            if number - 1 > start:
                found.add((start, number - 1, "comment"))
            start = None
    return sorted(found)
