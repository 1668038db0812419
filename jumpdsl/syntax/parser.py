"""Text → AST. Lark's LALR parser reads the text and this module's callbacks build the AST as
it reduces each rule (no parse tree is made and walked again); each built value carries the
extent Lark's tree would have given it, so spans are Lark's (``tests/test_parser.py``).

Lark's exceptions become diagnostics here, worded for people: expected tokens are named in
words and Lark's own error text (which copies raw input) is never shown.

Reentrant: a parse keeps its state in the call (the callbacks are set on the parse's own
parser state; the shared Lark parser and its tables are read-only), so threads, a language
server or a notebook kernel may parse at once. Comments, which the grammar ignores, are read
by a second lexing pass only when asked for (``jumpdsl fmt``).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.grammar import Rule, Terminal

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


class _Built:
    """A value on the parser's stack with the extent of the text it was built from (its
    first token's start to its last token's end, brackets and keywords included): what Lark
    would keep in a tree's meta, kept here without building the tree."""

    __slots__ = ("column", "end_column", "end_line", "line", "value")

    def __init__(self, line: int | None, column: int | None, end_line: Any, end_column: Any):
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column
        self.value: Any = None


class _Spliced(_Built):
    """A ``_rule``'s children, which the rule using it takes in place (Lark's inlining)."""

    __slots__ = ("children",)
    children: list[Any]


# The rules that get their children with positions: a run's operators and operands.
_POSITIONED = frozenset({"bool_chain", "arith_chain"})


def _plan(rule: Rule) -> tuple[tuple[tuple[int, bool, int], ...], int]:
    """Which of a rule's matched symbols its builder gets, as Lark's tree builder keeps them:
    (index, spliced, placeholders before it) per kept symbol (literal tokens such as ``(``
    dropped, ``_rule`` results spliced in, a None for each ``[…]`` left out), then the
    placeholders after the last."""
    symbols = rule.expansion
    empty = rule.options.empty_indices
    if empty:  # one flag per gap between symbols: whether an optional part was left out there
        runs = "".join("1" if flag else "0" for flag in empty).split("0")
        nones = [len(run) for run in runs]
    else:
        nones = [0] * (len(symbols) + 1)
    kept: list[tuple[int, bool, int]] = []
    pending = 0
    for i, symbol in enumerate(symbols):
        pending += nones[i]
        if rule.options.keep_all_tokens or not (isinstance(symbol, Terminal) and symbol.filter_out):
            kept.append((i, not symbol.is_term and symbol.name.startswith("_"), pending))
            pending = 0
    return tuple(kept), pending + nones[len(symbols)]


@functools.lru_cache(maxsize=1)
def _plans() -> tuple[tuple[Rule, str, tuple[tuple[int, bool, int], ...], int, bool], ...]:
    """Per grammar rule: its builder's name, its plan, and whether a lone child stands for it
    (``?rule``)."""
    return tuple(
        (
            rule,
            rule.alias or rule.origin.name,
            *_plan(rule),
            bool(rule.options.expand1 and not rule.alias),
        )
        for rule in _lark().rules
    )


def _callback(
    build: Any,
    kept: tuple[tuple[int, bool, int], ...],
    trailing: int,
    *,
    unwrap: bool,
    lone: bool,
    spliced: bool,
) -> Any:
    """What the parser calls on reducing one rule: the values it matched (tokens and
    ``_Built``) in, one ``_Built`` out. ``unwrap``: the builder gets the values themselves,
    not their extents; ``lone``: a single child stands for the rule (``?rule``); ``spliced``:
    a ``_rule``, whose children the rule using it takes."""

    def reduce(matched: list[Any]) -> Any:
        if lone and len(matched) == 1 and len(kept) == 1:
            return matched[0]
        children: list[Any] = []
        for i, splice, nones in kept:
            if nones:
                children += [None] * nones
            item = matched[i]
            if splice:
                if unwrap:
                    children += [c.value if type(c) is _Built else c for c in item.children]
                elif children:
                    children += item.children
                else:  # a repetition's list so far: taken over, not copied (no n² bodies)
                    children = item.children
            elif unwrap and type(item) is _Built:
                children.append(item.value)
            else:
                children.append(item)
        if trailing:
            children += [None] * trailing
        if matched:
            first, last = matched[0], matched[-1]
            extent = (first.line, first.column, last.end_line, last.end_column)
        else:
            extent = (None, None, None, None)  # a file of comments: no extent
        if spliced:
            inline = _Spliced(*extent)
            inline.children = children
            return inline
        out = _Built(*extent)
        out.value = build(out, children)
        return out

    return reduce


class _ToAst:
    """Builds AST nodes as the parser reduces (no parse tree is made); each method gets the
    rule's extent and its children, theirs already built."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.out_of_range: list[tuple[M.Message, Span, str]] = []  # literals past the bounds

    def callbacks(self) -> dict[Rule, Any]:
        """The parser's callbacks, one per grammar rule, building into this builder."""
        return {
            rule: _callback(
                getattr(self, name, None),
                kept,
                trailing,
                # a _rule's children stay positioned: the rule taking them decides
                unwrap=name not in _POSITIONED and not lone and not name.startswith("_"),
                lone=lone,
                spliced=name.startswith("_"),
            )
            for rule, name, kept, trailing, lone in _plans()
        }

    def _span(self, where: Any) -> Span:
        return span_of(self.path, where)

    # ------------------------------------------------------------ top level
    def start(self, meta: Any, children: list[Any]) -> ast.Module:
        span = self._span(meta) if meta.line is not None else Span(self.path, 1, 1, 1, 1)
        return ast.Module(tuple(children), span)

    def use(self, meta: Any, children: list[Any]) -> ast.Use:
        path, alias = children
        return ast.Use(path.value[1:-1], self._span(meta), alias.value if alias else None)

    def function(self, meta: Any, children: list[Any]) -> ast.Function:
        name, params, *lets, result = children
        return ast.Function(
            name.value, params or (), tuple(lets), result, self._span(meta), self._span(name)
        )

    def network(self, meta: Any, children: list[Any]) -> ast.Network:
        name, params, *items = children
        return ast.Network(
            name.value, params or (), tuple(items), self._span(meta), self._span(name)
        )

    def input_decl(self, meta: Any, children: list[Any]) -> ast.InputDecl:
        return ast.InputDecl(children[0], self._span(meta))

    def defaults(self, meta: Any, children: list[Any]) -> ast.Defaults:
        return ast.Defaults(tuple(_present(children)), self._span(meta))

    def setting(self, meta: Any, children: list[Any]) -> ast.Setting:
        return ast.Setting(children[0], children[1], self._span(meta))

    def dotted(self, meta: Any, children: list[Any]) -> tuple[str, ...]:
        return tuple(tok.value for tok in children)

    def template(self, meta: Any, children: list[Any]) -> ast.Template:
        kind, name, params, label, body = children
        return ast.Template(
            kind.value, name.value, params or (), body, self._span(meta), self._span(name), label
        )

    def section(self, meta: Any, children: list[Any]) -> ast.Section:
        return ast.Section(children[0].value, children[1], self._span(meta))

    def params(self, meta: Any, children: list[Any]) -> tuple[ast.Param, ...]:
        return tuple(_present(children))

    def param(self, meta: Any, children: list[Any]) -> ast.Param:
        name, type_, default = children
        return ast.Param(name.value, type_, default, self._span(meta))

    def type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        name, *args = children
        return ast.TypeRef(name.value, tuple(_present(args)), self._span(meta))

    def body(self, meta: Any, children: list[Any]) -> tuple[Any, ...]:
        return tuple(children)

    # ------------------------------------------------------------ statements
    def call_stmt(self, meta: Any, children: list[Any]) -> ast.Call:
        name, args, count, label = children
        return ast.Call(name.value, args, count, self._span(meta), self._span(name), label)

    def label(self, meta: Any, children: list[Any]) -> str:
        return str(children[0].value[1:-1])

    def args(self, meta: Any, children: list[Any]) -> tuple[ast.Arg, ...]:
        return tuple(_present(children))

    def arg(self, meta: Any, children: list[Any]) -> ast.Arg:
        return ast.Arg(None, children[0], self._span(meta))

    def kwarg(self, meta: Any, children: list[Any]) -> ast.Arg:
        return ast.Arg(children[0].value, children[1], self._span(meta))

    def repeat(self, meta: Any, children: list[Any]) -> ast.Repeat:
        return ast.Repeat(children[0], children[1], self._span(meta))

    def shortcut(self, meta: Any, children: list[Any]) -> ast.Shortcut:
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

    def tensor_ref(self, meta: Any, children: list[Any]) -> tuple[Token, Any]:
        name, index = children
        return name, index

    def branch(self, meta: Any, children: list[Any]) -> ast.Branch:
        merge, *arms = children
        return ast.Branch(merge.value, tuple(arms), self._span(meta), self._span(merge))

    def for_stmt(self, meta: Any, children: list[Any]) -> ast.For:
        target, iterable, body = children
        return ast.For(target, iterable, body, self._span(meta))

    def target(self, meta: Any, children: list[Any]) -> ast.Target:
        return ast.Target(children[0].value, self._span(meta))

    def target_tuple(self, meta: Any, children: list[Any]) -> ast.TargetTuple:
        return ast.TargetTuple(tuple(_present(children)), self._span(meta))

    def if_stmt(self, meta: Any, children: list[Any]) -> ast.If:
        cond, then, else_part = [*children, None][:3]
        if else_part is None:
            return ast.If(cond, then, None, self._span(meta))
        else_span, orelse = else_part
        if isinstance(orelse, ast.If):
            orelse = (orelse,)
        return ast.If(cond, then, orelse, self._span(meta), else_span)

    def else_part(self, meta: Any, children: list[Any]) -> tuple[Span, Any]:
        return self._span(meta), children[0]

    def let(self, meta: Any, children: list[Any]) -> ast.Let:
        return ast.Let(children[0].value, children[1], self._span(meta))

    def mark(self, meta: Any, children: list[Any]) -> ast.Mark:
        name, index = children[0]
        return ast.Mark(name.value, self._span(meta), index)

    def output(self, meta: Any, children: list[Any]) -> ast.Output:
        name, origin, head = children
        return ast.Output(
            name.value, origin.value if origin is not None else None, head, self._span(meta)
        )

    # ------------------------------------------------------------ expressions
    def bool_chain(self, meta: Any, children: list[Any]) -> ast.Expr:
        return _Chain(self, children, _BOOL_PRECEDENCE, "NOT", _not).parse()

    def arith_chain(self, meta: Any, children: list[Any]) -> ast.Expr:
        return _Chain(self, children, _ARITH_PRECEDENCE, "MINUS", _neg).parse()

    def paren(self, meta: Any, children: list[Any]) -> ast.Expr:
        # The expression itself; its extent (an operator around it spans it) has the parentheses.
        return children[0]  # type: ignore[no-any-return]

    def extent(self, item: Any) -> Span:
        """Where a chain's item is written: a token, or a node with its parentheses."""
        if isinstance(item, Token | _Built):
            return self._span(item)
        return item.span  # type: ignore[no-any-return]

    def cond(self, meta: Any, children: list[Any]) -> ast.Cond:
        cond, then, orelse = children
        return ast.Cond(cond, then, orelse, self._span(meta))

    def compare(self, meta: Any, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(op.value, left, right, self._span(meta))

    def index(self, meta: Any, children: list[Any]) -> ast.Index:
        return ast.Index(children[0], children[1], self._span(meta))

    def func(self, meta: Any, children: list[Any]) -> ast.Func:
        name, *args = children
        return ast.Func(name.value, tuple(_present(args)), self._span(meta))

    def integer(self, text: str, meta: Any) -> int:
        """An integer literal's value; one past int64 (which int() might not even convert,
        over 4,300 digits) is kept to report, and reads as 0."""
        digits = text.lstrip("0") or "0"
        if len(digits) <= 19 and int(digits) <= MAX_INT:
            return int(digits)
        self.out_of_range.append((M.INTEGER_LITERAL_TOO_LARGE, self._span(meta), text))
        return 0

    def int_lit(self, meta: Any, children: list[Any]) -> ast.Int:
        return ast.Int(self.integer(children[0].value, meta), self._span(meta))

    def float_lit(self, meta: Any, children: list[Any]) -> ast.Float:
        text = children[0].value
        value = float(text)
        if math.isinf(value):
            self.out_of_range.append((M.FLOAT_LITERAL_TOO_LARGE, self._span(meta), text))
            value = 0.0
        return ast.Float(value, text, self._span(meta))

    def size_lit(self, meta: Any, children: list[Any]) -> ast.Size:
        text = children[0].value
        height, width = text.split("x")
        size = (self.integer(height, meta), self.integer(width, meta))
        return ast.Size(size, text, self._span(meta))

    def str_lit(self, meta: Any, children: list[Any]) -> ast.Str:
        return ast.Str(children[0].value[1:-1], self._span(meta))

    def var(self, meta: Any, children: list[Any]) -> ast.Var:
        return ast.Var(children[0].value, self._span(meta))

    def list_lit(self, meta: Any, children: list[Any]) -> ast.ListLit:
        return ast.ListLit(tuple(_present(children)), self._span(meta))

    def tuple_lit(self, meta: Any, children: list[Any]) -> ast.TupleLit:
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
        return _value(self.climb(1))  # type: ignore[no-any-return]

    def climb(self, lowest: int) -> Any:
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

    def operand(self) -> Any:
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
            power = ast.BinOp(_POWER, _value(base), _value(node), self.between(base, node))
            node = self.apply(prefixes, power)
        return node

    def prefixed(self) -> tuple[list[Token], Any]:
        prefixes = []
        while isinstance(self.items[self.at], Token) and self.items[self.at].type == self.prefix:
            prefixes.append(self.items[self.at])
            self.at += 1
        node = self.items[self.at]  # an operand as built: its value and its extent
        self.at += 1
        return prefixes, node

    def apply(self, prefixes: list[Token], node: Any) -> Any:
        for token in reversed(prefixes):
            node = self.make_prefix(_value(node), self.between(token, node))
        return node

    def binary(self, op: str, left: Any, right: Any) -> ast.Expr:
        span = self.between(left, right)
        if op in ("and", "or"):
            return ast.BoolOp(op, _value(left), _value(right), span)
        return ast.BinOp(op, _value(left), _value(right), span)


def _value(item: Any) -> Any:
    """An operand's node: as built (with its extent), or made by the chain."""
    return item.value if isinstance(item, _Built) else item


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
    builder = _ToAst(source.path)
    try:
        module = _build(builder, source.text, "start")
    except UnexpectedInput as err:
        report_syntax_error(err, source, sink, _lark().lex)
        return None
    if comments is not None:
        comments.extend(_comments(source))
    assert isinstance(module, ast.Module)
    if not _in_range(builder, sink):
        return None
    return module if _shallow_enough(module, sink) else None


def _build(builder: _ToAst, text: str, start: str) -> Any:
    """What ``builder`` makes of ``text`` as Lark's LALR parser reduces it. The parser runs
    with this parse's own callbacks (set on its state, which is the parse's own: the shared
    tables are not touched), so no tree is built and walked a second time."""
    interactive = _lark().parse_interactive(text, start=start)
    # Lark types its callbacks by rule name; the parser looks them up by rule
    interactive.parser_state.parse_conf.callbacks = builder.callbacks()  # type: ignore[assignment]
    return interactive.resume_parse().value


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
    builder = _ToAst(source.path)
    try:
        expr = _build(builder, source.text, "expr")
    except UnexpectedInput as err:
        report_syntax_error(err, source, sink, _lark().lex)
        return None
    if not _in_range(builder, sink):
        return None
    return expr if _shallow_enough(expr, sink) else None  # type: ignore[no-any-return]
