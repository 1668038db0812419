"""The parser builds the AST as Lark reduces, without a parse tree: its spans must be the ones
Lark's own tree would carry (``propagate_positions``), on every spec the project ships."""

from __future__ import annotations

from collections import Counter

import pytest
from lark import Tree

from conftest import ALL_SPECS, ROOT
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.source import SourceFile
from jumpdsl.syntax import ast
from jumpdsl.syntax.parser import _lark, parse, parse_expression

# AST class → the grammar rules (or aliases) whose tree node it is built from, one for one.
_BUILT_FROM: dict[type, tuple[str, ...]] = {
    ast.Call: ("call_stmt",),
    ast.Arg: ("arg", "kwarg"),
    ast.Int: ("int_lit",),
    ast.Float: ("float_lit",),
    ast.Size: ("size_lit",),
    ast.Str: ("str_lit",),
    ast.Var: ("var",),
    ast.Func: ("func",),
    ast.Index: ("index",),
    ast.ListLit: ("list_lit",),
    ast.TupleLit: ("tuple_lit",),
    ast.Compare: ("compare",),
    ast.Cond: ("cond",),
    ast.Template: ("template",),
    ast.Section: ("section",),
    ast.Network: ("network",),
    ast.Param: ("param",),
    ast.Repeat: ("repeat",),
    ast.Shortcut: ("shortcut",),
    ast.Branch: ("branch",),
    ast.For: ("for_stmt",),
    ast.Let: ("let",),
    ast.Mark: ("mark",),
    ast.Output: ("output",),
    ast.Setting: ("setting",),
    ast.Use: ("use",),
}
_SOURCES = sorted({*ALL_SPECS, *(ROOT / "jumpdsl" / "stdlib").glob("*.jnet")})


def _tree_spans(tree: Tree) -> Counter[tuple[str, int, int, int, int]]:
    found: Counter[tuple[str, int, int, int, int]] = Counter()
    for node in tree.iter_subtrees():
        m = node.meta
        if not m.empty:
            found[str(node.data), m.line, m.column, m.end_line, m.end_column] += 1
    return found


def _ast_spans(module: object) -> Counter[tuple[str, int, int, int, int]]:
    found: Counter[tuple[str, int, int, int, int]] = Counter()
    for node, _ in ast.walk(module):
        rules = _BUILT_FROM.get(type(node))
        if rules is None:
            continue
        s = node.span  # type: ignore[attr-defined]
        found["/".join(rules), s.line, s.column, s.end_line, s.end_column] += 1
    return found


@pytest.mark.parametrize("path", _SOURCES, ids=lambda p: p.name)
def test_every_node_spans_what_lark_s_tree_would(path) -> None:
    text = path.read_text(encoding="utf-8")
    module = parse(SourceFile(str(path), text), DiagnosticSink())
    assert module is not None
    tree = _lark().parse(text, start="start")  # the shared parser still builds Lark's tree
    expected: Counter[tuple[str, int, int, int, int]] = Counter()
    for (rule, *where), count in _tree_spans(tree).items():
        for rules in _BUILT_FROM.values():
            if rule in rules:
                expected[("/".join(rules), *where)] += count  # type: ignore[index]
    assert _ast_spans(module) == expected


@pytest.mark.parametrize(
    ("text", "operand", "span"),
    [
        # an operator's span takes in its operands' parentheses
        ("a * (b + c) / d", "left", (1, 12)),
        ("-(a) ** 2", None, (1, 10)),
        ("(a) + (b)", None, (1, 10)),
        ("not (a or b) and c", "left", (1, 13)),
    ],
)
def test_operator_spans_include_parenthesised_operands(text, operand, span) -> None:
    expr = parse_expression(SourceFile("e", text), DiagnosticSink())
    node = getattr(expr, operand) if operand else expr
    assert (node.span.column, node.span.end_column) == span


def test_a_file_of_comments_is_an_empty_module() -> None:
    module = parse(SourceFile("c.jnet", "# nothing here\n# yet\n"), DiagnosticSink())
    assert module is not None and module.items == ()
    assert (module.span.line, module.span.column) == (1, 1)


def test_a_long_body_keeps_every_statement_in_order() -> None:
    body = " ".join(f"conv({i + 1}, 1x1)" for i in range(3000))
    module = parse(SourceFile("l.jnet", f"block B() {{ {body} }}"), DiagnosticSink())
    assert module is not None
    calls = module.items[0].body  # type: ignore[attr-defined]
    assert [c.args[0].value.value for c in calls] == list(range(1, 3001))
