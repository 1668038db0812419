"""Text → AST. Lark (LALR, positions kept) parses; a non-recursive transformer builds the AST.

Lark's exceptions become diagnostics here, worded for people: expected tokens are named in
words and Lark's own error text (which copies raw input) is never shown.

Reentrant: a parse keeps its state in the call (the shared Lark parser is read-only), so
threads, a language server or a notebook kernel may parse at once. Comments, which the grammar
ignores, are read by a second lexing pass only when asked for (``jumpdsl fmt``).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from lark.tree import Meta

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.ir.values import MAX_INT
from jumpdsl.source import SourceFile, Span
from jumpdsl.syntax import ast
from jumpdsl.syntax.errors import report_syntax_error, span_of
from jumpdsl.syntax.grammar import grammar_text
from jumpdsl.syntax.lark_tables import shipped_lark

__all__ = ["LARK_OPTIONS", "grammar_text", "parse", "parse_expression"]


LARK_OPTIONS: dict[str, Any] = {
    "propagate_positions": True,
    "maybe_placeholders": True,
    "start": ["start", "expr"],
}


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    # The tables ship with the package: building them would be most of `jumpdsl check`'s time.
    return shipped_lark(grammar_text(), **LARK_OPTIONS)


def _comments(source: SourceFile) -> list[ast.Comment]:
    """The file's comments, in order (the text parsed, so it lexes)."""
    return [
        ast.Comment(t.value, span_of(source.path, t))
        for t in _lark().lex(source.text, dont_ignore=True)
        if t.type == "COMMENT"
    ]


def _present(children: list[Any]) -> list[Any]:
    return [c for c in children if c is not None]


class _ToAst:
    """Builds AST nodes from Lark's tree, bottom-up and without recursion (nesting is bounded
    later); each method gets the rule's position and its children, theirs already built."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.extents: dict[int, Span] = {}  # id of a parenthesised node → with its parentheses
        self.out_of_range: list[tuple[M.Message, Span, str]] = []  # literals past the bounds

    def transform(self, tree: Tree) -> Any:
        built: dict[int, Any] = {}
        rules: dict[str, Any] = {}
        stack: list[tuple[Tree, bool]] = [(tree, False)]
        while stack:
            node, ready = stack.pop()
            if not ready:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(node.children) if isinstance(c, Tree))
                continue
            rule = rules.get(node.data)
            if rule is None:
                rule = rules[node.data] = getattr(self, str(node.data))
            children = [built.pop(id(c)) if isinstance(c, Tree) else c for c in node.children]
            built[id(node)] = rule(node.meta, children)
        return built[id(tree)]

    def _span(self, where: Meta | Token) -> Span:
        return span_of(self.path, where)

    # ------------------------------------------------------------ top level
    def start(self, meta: Meta, children: list[Any]) -> ast.Module:
        span = self._span(meta) if not meta.empty else Span(self.path, 1, 1, 1, 1)
        return ast.Module(tuple(children), span)

    def use(self, meta: Meta, children: list[Any]) -> ast.Use:
        path, alias = children
        return ast.Use(path.value[1:-1], self._span(meta), alias.value if alias else None)

    def function(self, meta: Meta, children: list[Any]) -> ast.Function:
        name, params, *lets, result = children
        return ast.Function(
            name.value, params or (), tuple(lets), result, self._span(meta), self._span(name)
        )

    def network(self, meta: Meta, children: list[Any]) -> ast.Network:
        name, params, *items = children
        return ast.Network(
            name.value, params or (), tuple(items), self._span(meta), self._span(name)
        )

    def input_decl(self, meta: Meta, children: list[Any]) -> ast.InputDecl:
        return ast.InputDecl(children[0], self._span(meta))

    def defaults(self, meta: Meta, children: list[Any]) -> ast.Defaults:
        return ast.Defaults(tuple(_present(children)), self._span(meta))

    def setting(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return ast.Setting(children[0], children[1], self._span(meta))

    def dotted(self, meta: Meta, children: list[Any]) -> tuple[str, ...]:
        return tuple(tok.value for tok in children)

    def template(self, meta: Meta, children: list[Any]) -> ast.Template:
        kind, name, params, label, body = children
        return ast.Template(
            kind.value, name.value, params or (), body, self._span(meta), self._span(name), label
        )

    def section(self, meta: Meta, children: list[Any]) -> ast.Section:
        return ast.Section(children[0].value, children[1], self._span(meta))

    def params(self, meta: Meta, children: list[Any]) -> tuple[ast.Param, ...]:
        return tuple(_present(children))

    def param(self, meta: Meta, children: list[Any]) -> ast.Param:
        name, type_, default = children
        return ast.Param(name.value, type_, default, self._span(meta))

    def type(self, meta: Meta, children: list[Any]) -> ast.TypeRef:
        name, *args = children
        return ast.TypeRef(name.value, tuple(_present(args)), self._span(meta))

    def body(self, meta: Meta, children: list[Any]) -> tuple[Any, ...]:
        return tuple(children)

    # ------------------------------------------------------------ statements
    def call_stmt(self, meta: Meta, children: list[Any]) -> ast.Call:
        name, args, count, label = children
        return ast.Call(name.value, args, count, self._span(meta), self._span(name), label)

    def label(self, meta: Meta, children: list[Any]) -> str:
        return str(children[0].value[1:-1])

    def args(self, meta: Meta, children: list[Any]) -> tuple[ast.Arg, ...]:
        return tuple(_present(children))

    def arg(self, meta: Meta, children: list[Any]) -> ast.Arg:
        return ast.Arg(None, children[0], self._span(meta))

    def kwarg(self, meta: Meta, children: list[Any]) -> ast.Arg:
        return ast.Arg(children[0].value, children[1], self._span(meta))

    def repeat(self, meta: Meta, children: list[Any]) -> ast.Repeat:
        return ast.Repeat(children[0], children[1], self._span(meta))

    def shortcut(self, meta: Meta, children: list[Any]) -> ast.Shortcut:
        kind, merge, origin, path = children
        name, index = origin if origin is not None else (None, None)
        return ast.Shortcut(
            kind.value,
            merge.value,
            name.value if name is not None else None,
            path,
            self._span(meta),
            self._span(merge),
            index,
        )

    def tensor_ref(self, meta: Meta, children: list[Any]) -> tuple[Token, Any]:
        name, index = children
        return name, index

    def branch(self, meta: Meta, children: list[Any]) -> ast.Branch:
        merge, *arms = children
        return ast.Branch(merge.value, tuple(arms), self._span(meta), self._span(merge))

    def for_stmt(self, meta: Meta, children: list[Any]) -> ast.For:
        target, iterable, body = children
        return ast.For(target, iterable, body, self._span(meta))

    def target(self, meta: Meta, children: list[Any]) -> ast.Target:
        return ast.Target(children[0].value, self._span(meta))

    def target_tuple(self, meta: Meta, children: list[Any]) -> ast.TargetTuple:
        return ast.TargetTuple(tuple(_present(children)), self._span(meta))

    def if_stmt(self, meta: Meta, children: list[Any]) -> ast.If:
        cond, then, else_part = [*children, None][:3]
        if else_part is None:
            return ast.If(cond, then, None, self._span(meta))
        else_span, orelse = else_part
        if isinstance(orelse, ast.If):
            orelse = (orelse,)
        return ast.If(cond, then, orelse, self._span(meta), else_span)

    def else_part(self, meta: Meta, children: list[Any]) -> tuple[Span, Any]:
        return self._span(meta), children[0]

    def let(self, meta: Meta, children: list[Any]) -> ast.Let:
        return ast.Let(children[0].value, children[1], self._span(meta))

    def mark(self, meta: Meta, children: list[Any]) -> ast.Mark:
        name, index = children[0]
        return ast.Mark(name.value, self._span(meta), index)

    # ------------------------------------------------------------ expressions
    def bool_chain(self, meta: Meta, children: list[Any]) -> ast.Expr:
        return _Chain(self, children, _BOOL_PRECEDENCE, "NOT", _not).parse()

    def arith_chain(self, meta: Meta, children: list[Any]) -> ast.Expr:
        return _Chain(self, children, _ARITH_PRECEDENCE, "MINUS", _neg).parse()

    def paren(self, meta: Meta, children: list[Any]) -> ast.Expr:
        # The expression itself; an operator around it spans its parentheses too.
        self.extents[id(children[0])] = self._span(meta)
        return children[0]  # type: ignore[no-any-return]

    def extent(self, item: Any) -> Span:
        """Where a chain's item is written: a token, or a node with its parentheses."""
        if isinstance(item, Token):
            return self._span(item)
        return self.extents.get(id(item), item.span)  # type: ignore[no-any-return]

    def cond(self, meta: Meta, children: list[Any]) -> ast.Cond:
        cond, then, orelse = children
        return ast.Cond(cond, then, orelse, self._span(meta))

    def compare(self, meta: Meta, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(op.value, left, right, self._span(meta))

    def index(self, meta: Meta, children: list[Any]) -> ast.Index:
        return ast.Index(children[0], children[1], self._span(meta))

    def func(self, meta: Meta, children: list[Any]) -> ast.Func:
        name, *args = children
        return ast.Func(name.value, tuple(_present(args)), self._span(meta))

    def integer(self, text: str, meta: Meta) -> int:
        """An integer literal's value; one past int64 (which int() might not even convert,
        over 4,300 digits) is kept to report, and reads as 0."""
        digits = text.lstrip("0") or "0"
        if len(digits) <= 19 and int(digits) <= MAX_INT:
            return int(digits)
        self.out_of_range.append((M.INTEGER_LITERAL_TOO_LARGE, self._span(meta), text))
        return 0

    def int_lit(self, meta: Meta, children: list[Any]) -> ast.Int:
        return ast.Int(self.integer(children[0].value, meta), self._span(meta))

    def float_lit(self, meta: Meta, children: list[Any]) -> ast.Float:
        text = children[0].value
        value = float(text)
        if math.isinf(value):
            self.out_of_range.append((M.FLOAT_LITERAL_TOO_LARGE, self._span(meta), text))
            value = 0.0
        return ast.Float(value, text, self._span(meta))

    def size_lit(self, meta: Meta, children: list[Any]) -> ast.Size:
        text = children[0].value
        height, width = text.split("x")
        size = (self.integer(height, meta), self.integer(width, meta))
        return ast.Size(size, text, self._span(meta))

    def str_lit(self, meta: Meta, children: list[Any]) -> ast.Str:
        return ast.Str(children[0].value[1:-1], self._span(meta))

    def var(self, meta: Meta, children: list[Any]) -> ast.Var:
        return ast.Var(children[0].value, self._span(meta))

    def list_lit(self, meta: Meta, children: list[Any]) -> ast.ListLit:
        return ast.ListLit(tuple(_present(children)), self._span(meta))

    def tuple_lit(self, meta: Meta, children: list[Any]) -> ast.TupleLit:
        return ast.TupleLit(tuple(_present(children)), self._span(meta))


# Binding strength of the binary operators in a flat run (higher binds tighter).
_BOOL_PRECEDENCE = {"or": 1, "and": 2}
_ARITH_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2}
# Binds tighter than a prefix on its left (-2 ** 2 is -4) and groups to the right, as in Python.
_POWER = "**"


def _not(operand: ast.Expr, span: Span) -> ast.Expr:
    return ast.Not(operand, span)


def _neg(operand: ast.Expr, span: Span) -> ast.Expr:
    return ast.Neg(operand, span)


class _Chain:
    """A flat run from the grammar (prefix operators, operands, binary operators) as a tree,
    by precedence climbing: binary operators left-associative, prefixes on the operand after
    them (``not`` takes a whole comparison, ``-`` a postfix expression)."""

    def __init__(
        self,
        builder: _ToAst,
        items: list[Any],
        precedence: dict[str, int],
        prefix: str,
        make_prefix: Any,
    ) -> None:
        self.builder, self.items, self.at = builder, items, 0
        self.precedence, self.prefix, self.make_prefix = precedence, prefix, make_prefix

    def between(self, first: Any, last: Any) -> Span:
        start, end = self.builder.extent(first), self.builder.extent(last)
        return Span(start.path, start.line, start.column, end.end_line, end.end_column)

    def parse(self) -> ast.Expr:
        return self.climb(1)

    def climb(self, lowest: int) -> ast.Expr:
        left = self.operand()
        while self.at < len(self.items):
            op = self.items[self.at].value
            strength = self.precedence[op]
            if strength < lowest:
                break
            self.at += 1
            right = self.climb(strength + 1)
            left = self.binary(op, left, right)
        return left

    def operand(self) -> ast.Expr:
        """An operand with its prefixes; a run of ``**`` after it is folded from the right
        (without recursion: a long run only nests, and the parser's depth limit reports it)."""
        prefixes, node = self.prefixed()
        items = self.items
        if self.at >= len(items) or items[self.at].value != _POWER:
            return self.apply(prefixes, node) if prefixes else node  # the usual case
        runs = [(prefixes, node)]
        while self.at < len(items) and items[self.at].value == _POWER:
            self.at += 1
            runs.append(self.prefixed())
        prefixes, node = runs.pop()
        node = self.apply(prefixes, node)
        while runs:
            prefixes, base = runs.pop()
            node = self.apply(prefixes, ast.BinOp(_POWER, base, node, self.between(base, node)))
        return node

    def prefixed(self) -> tuple[list[Token], ast.Expr]:
        prefixes = []
        while isinstance(self.items[self.at], Token) and self.items[self.at].type == self.prefix:
            prefixes.append(self.items[self.at])
            self.at += 1
        node: ast.Expr = self.items[self.at]
        self.at += 1
        return prefixes, node

    def apply(self, prefixes: list[Token], node: ast.Expr) -> ast.Expr:
        for token in reversed(prefixes):
            node = self.make_prefix(node, self.between(token, node))
        return node

    def binary(self, op: str, left: ast.Expr, right: ast.Expr) -> ast.Expr:
        span = self.between(left, right)
        if op in ("and", "or"):
            return ast.BoolOp(op, left, right, span)
        return ast.BinOp(op, left, right, span)


# Deepest nesting of AST nodes accepted. Later stages walk the tree recursively; this keeps them
# far from Python's recursion limit (real specs nest less than 15 deep).
MAX_NESTING = 64


def _shallow_enough(root: object, sink: DiagnosticSink) -> bool:
    """False (with a diagnostic at the first node too deep) when nesting passes MAX_NESTING."""
    for node, depth in ast.walk(root):
        if depth > MAX_NESTING:
            sink.report(
                M.TOO_DEEP,
                getattr(node, "span", None),
                limit=MAX_NESTING,
            )
            return False
    return True


def parse(
    source: SourceFile, sink: DiagnosticSink, comments: list[ast.Comment] | None = None
) -> ast.Module | None:
    """Parse one file; on a syntax error report it to ``sink`` and return None.

    >>> from jumpdsl.source import SourceFile
    >>> sink = DiagnosticSink()
    >>> module = parse(SourceFile("t.jnet", "network T { input [3, 8, 8] }"), sink)
    >>> module.items[0].name, sink.items
    ('T', [])
    """
    if not source.text.strip():
        sink.report(
            M.EMPTY_FILE,
            Span(source.path, 1, 1, 1, 1),
        )
        return None
    try:
        tree = _lark().parse(source.text, start="start")
    except UnexpectedInput as err:
        report_syntax_error(err, source, sink, _lark().lex)
        return None
    if comments is not None:
        comments.extend(_comments(source))
    builder = _ToAst(source.path)
    module = builder.transform(tree)
    assert isinstance(module, ast.Module)
    if not _in_range(builder, sink):
        return None
    return module if _shallow_enough(module, sink) else None


def _in_range(builder: _ToAst, sink: DiagnosticSink) -> bool:
    """False (with a diagnostic at each) when a number literal is past the value bounds."""
    for message, span, text in builder.out_of_range:
        sink.report(message, span, text=_shortened(text), limit=MAX_INT)
    return not builder.out_of_range


def _shortened(text: str) -> str:
    """A long literal as its first and last digits and its length (messages stay short)."""
    if len(text) <= 40:
        return text
    return f"{text[:12]}…{text[-4:]} ({len(text):,} characters)"


def parse_expression(source: SourceFile, sink: DiagnosticSink) -> ast.Expr | None:
    """Parse one expression (a ``--set`` value such as ``[(32, 3), (64, 4)]``).

    >>> parse_expression(SourceFile("--set", "2 * 8"), DiagnosticSink()).op
    '*'
    """
    try:
        tree = _lark().parse(source.text, start="expr")
    except UnexpectedInput as err:
        report_syntax_error(err, source, sink, _lark().lex)
        return None
    builder = _ToAst(source.path)
    expr = builder.transform(tree)
    if not _in_range(builder, sink):
        return None
    return expr if _shallow_enough(expr, sink) else None  # type: ignore[no-any-return]
