"""Property tests: whatever the input, jumpdsl answers with diagnostics, never a crash.

Five sources of input: (a) near-miss text from the grammar itself (``from_lark``: most of its
strings do not parse, which is the point), (b) mutations of every spec in specs/ and the
standard library, (c) random text, bytes-like garbage, control and bidi characters included,
(d) valid programs built from an AST strategy, printed, parsed and printed again, and (e)
hostile specs: arithmetic edge values (1e999, -0.0, nan, huge integers, 2**63, zero divisors,
deep nesting, long lists, bombs) in every builtin and operator, and the bad specs and
misleading messages of issue 16 (malformed numbers, names given twice, keywords as names,
values used before their definition, a dangling operator, misspelt keywords and types).

Properties: no uncaught exception; every diagnostic's line and column lie inside the file;
messages, hints and labels hold no raw control or bidi characters.

The default profile runs over 10,000 cases and is derandomised (the same cases on every run,
so CI is stable). For a long run with fresh cases, scale it up:

    JUMPDSL_FUZZ_SCALE=20 python -m pytest tests/test_fuzz.py -p no:randomly
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from hypothesis.extra.lark import from_lark
from lark import Lark

from conftest import ALL_SPECS, ROOT
from jumpdsl.api import check_text
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.formatting import format_source
from jumpdsl.ops import CORE
from jumpdsl.report import render_text
from jumpdsl.source import SourceFile, Span
from jumpdsl.syntax import ast
from jumpdsl.syntax.parser import grammar_text, parse
from jumpdsl.syntax.printer import format_module

SCALE = int(os.environ.get("JUMPDSL_FUZZ_SCALE", "1"))


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


SEEDS = ALL_SPECS + sorted((ROOT / "jumpdsl" / "stdlib").glob("*.jnet"))
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS]
_BAD_CATEGORIES = ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")


def _clean(text: str) -> bool:
    return all(unicodedata.category(c) not in _BAD_CATEGORIES for c in text)


def _inside(span: Span, lines: list[str]) -> bool:
    if not 1 <= span.line <= len(lines):
        return False
    return 1 <= span.column <= len(lines[span.line - 1]) + 1


def check_robust(text: str) -> None:
    """The properties every input must have."""
    path = "<fuzz>"
    result = check_text(text, path=path)
    lines = text.split("\n")
    for diag in result.diagnostics:
        spans = [diag.span] + [label.span for label in diag.labels]
        for span in spans:
            if span is not None and span.path == path:
                assert _inside(span, lines), (diag, span)
        for message in [diag.message, diag.hint or ""] + [lb.message for lb in diag.labels]:
            assert _clean(message), repr(message)
    rendered = render_text(result.diagnostics, result.sources)
    assert all(_clean(line) for line in rendered.split("\n")), repr(rendered)


# ---------------------------------------------------------------- (a) from the grammar

_GRAMMAR = Lark(grammar_text(), parser="lalr", start=["start", "expr"])


@_settings(60)
@given(from_lark(_GRAMMAR, start="start"))
def test_grammar_near_misses(text: str) -> None:
    # Few cases: from_lark is slow to draw (about 0.5 s a string here); the cases below are cheap.
    check_robust(text)


# ---------------------------------------------------------------- (b) mutations of specs

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_NASTY = st.sampled_from(["\u202e", "\u200b", "\x00", "\x1b[31m", "\t", "\r", "日本", "\ufeff"])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        tokens = _TOKEN.findall(text) or [""]
        lines = text.split("\n")
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(0, len(tokens) - 1))
        k = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.integers(0, 7))
        if operation == 0:
            del tokens[i]
        elif operation == 1:
            tokens.insert(i, tokens[i])
        elif operation == 2:
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif operation == 3:
            tokens.insert(i, draw(st.one_of(_NASTY, st.text(max_size=4))))
        if operation <= 3:
            text = "".join(tokens)
        elif operation == 4:
            text = "\n".join(lines[:k] + lines[k + 1 :])
        elif operation == 5:
            text = "\n".join(lines[: k + 1] + lines[k:])
        elif operation == 6:
            m = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[m] = lines[m], lines[k]
            text = "\n".join(lines)
        else:
            text = text[: draw(st.integers(0, len(text)))]
    return text


@_settings(2500)
@given(mutated())
def test_mutated_specs(text: str) -> None:
    check_robust(text)


# ---------------------------------------------------------------- (c) random text

_SNIPPETS = st.sampled_from(
    [
        "network",
        "T",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "input",
        "stem",
        "conv",
        "3x3",
        ",",
        "=",
        "skip",
        "add",
        "jump",
        "concat",
        "for",
        "in",
        "if",
        "else",
        "as",
        "from",
        "1",
        "-",
        "*",
        "#",
        "\n",
        " ",
        '"',
        "block",
        "group",
        "relu",
        "let",
        "repeat",
        "branch",
        "use",
    ]
)


@_settings(5800)
@given(st.one_of(st.text(max_size=80), st.lists(_SNIPPETS, max_size=40).map(" ".join)))
def test_random_text(text: str) -> None:
    check_robust(text)


# ---------------------------------------------------------------- (d) valid programs

_S = Span("<gen>", 1, 1, 1, 2)
_NAMES = st.sampled_from(["a", "b", "f", "n", "width", "depth"])
_OPS = st.sampled_from([*CORE, "B", "G"])  # every core op, and the templates B and G
_KW = st.sampled_from(sorted({a.name for op in CORE.values() for a in op.attrs}))


def _leaf() -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.integers(0, 512).map(lambda v: ast.Int(v, _S)),
        st.sampled_from([2**63 - 1, 2**62, 2**31]).map(lambda v: ast.Int(v, _S)),  # the edges
        st.sampled_from(["0.5", "1e-3", "2.0", "1.5e2", "0.0", "1e308", "4.9e-324"]).map(
            lambda t: ast.Float(float(t), t, _S)
        ),
        st.tuples(st.integers(1, 7), st.integers(1, 7)).map(
            lambda hw: ast.Size(hw, f"{hw[0]}x{hw[1]}", _S)
        ),
        st.sampled_from(["x", "std/a.jnet", "ok"]).map(lambda v: ast.Str(v, _S)),
        _NAMES.map(lambda n: ast.Var(n, _S)),
    )


def _grow(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ast.ListLit(tuple(xs), _S)),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: ast.TupleLit(tuple(xs), _S)),
        st.tuples(inner, inner).map(lambda p: ast.Index(p[0], p[1], _S)),
        st.lists(inner, max_size=2).map(lambda xs: ast.Func("max", tuple(xs), _S)),
        st.tuples(st.sampled_from(["+", "-", "*", "/", "//", "%"]), inner, inner).map(
            lambda t: ast.BinOp(t[0], t[1], t[2], _S)
        ),
        inner.map(lambda x: ast.Neg(x, _S)),
        inner.map(lambda x: ast.Not(x, _S)),
        st.tuples(st.sampled_from(["and", "or"]), inner, inner).map(
            lambda t: ast.BoolOp(t[0], t[1], t[2], _S)
        ),
        st.tuples(st.sampled_from(["==", "<", ">="]), inner, inner).map(
            lambda t: ast.Compare(t[0], t[1], t[2], _S)
        ),
    )


EXPRS = st.recursive(_leaf(), _grow, max_leaves=4)


def _args() -> st.SearchStrategy[tuple[ast.Arg, ...] | None]:
    positional = st.lists(EXPRS.map(lambda e: ast.Arg(None, e, _S)), max_size=2)
    keyword = st.lists(
        st.tuples(_KW, EXPRS).map(lambda t: ast.Arg(t[0], t[1], _S)),
        max_size=2,
        unique_by=lambda a: a.name,
    )
    return st.one_of(st.none(), st.tuples(positional, keyword).map(lambda t: tuple(t[0] + t[1])))


def _statements(inner: st.SearchStrategy[tuple[ast.Stmt, ...]]) -> st.SearchStrategy[ast.Stmt]:
    merge = st.sampled_from(["add", "concat", "mul"])
    return st.one_of(
        st.tuples(EXPRS, inner).map(lambda t: ast.Repeat(t[0], t[1], _S)),
        st.tuples(
            st.sampled_from(["skip", "jump"]), merge, st.none() | _NAMES, st.none() | inner
        ).map(lambda t: ast.Shortcut(*t, _S, _S)),
        st.tuples(merge, st.lists(inner, min_size=2, max_size=3)).map(
            lambda t: ast.Branch(t[0], tuple(t[1]), _S, _S)
        ),
        st.tuples(_NAMES, EXPRS, inner).map(
            lambda t: ast.For(ast.Target(t[0], _S), t[1], t[2], _S)
        ),
        st.tuples(EXPRS, inner, st.none() | inner).map(lambda t: ast.If(t[0], t[1], t[2], _S)),
    )


_SIMPLE = st.one_of(
    st.tuples(_OPS, _args(), st.none() | EXPRS).map(lambda t: ast.Call(t[0], t[1], t[2], _S, _S)),
    st.tuples(_NAMES, EXPRS).map(lambda t: ast.Let(t[0], t[1], _S)),
    _NAMES.map(lambda n: ast.Mark(n, _S)),
)
BODIES = st.recursive(
    st.lists(_SIMPLE, max_size=3).map(tuple),
    lambda inner: st.lists(st.one_of(_SIMPLE, _statements(inner)), max_size=3).map(tuple),
    max_leaves=6,
)
_PARAMS = st.lists(
    st.tuples(_NAMES, st.none() | st.sampled_from(["int", "list"]), st.none() | EXPRS).map(
        lambda t: ast.Param(t[0], ast.TypeRef(t[1], (), _S) if t[1] else None, t[2], _S)
    ),
    max_size=3,
    unique_by=lambda p: p.name,
).map(tuple)


@st.composite
def programs(draw: st.DrawFn) -> ast.Module:
    templates = [
        ast.Template(kind, name, draw(_PARAMS), draw(BODIES), _S, _S)
        for kind, name in (("block", "B"), ("group", "G"))
        if draw(st.booleans())
    ]
    items: list[ast.NetItem] = [ast.InputDecl(draw(EXPRS), _S)]
    if draw(st.booleans()):
        settings_ = draw(
            st.lists(st.tuples(st.sampled_from([("conv", "bias"), ("init",)]), EXPRS), max_size=2)
        )
        items.append(ast.Defaults(tuple(ast.Setting(p, v, _S) for p, v in settings_), _S))
    for section in ("stem", "learner", "task"):
        if draw(st.booleans()):
            items.append(ast.Section(section, draw(BODIES), _S))
    network = ast.Network("Net", draw(_PARAMS), tuple(items), _S, _S)
    return ast.Module((*templates, network), _S)


@_settings(1100)
@given(programs())
def test_valid_programs_print_parse_and_format_stably(module: ast.Module) -> None:
    printed = format_module(module, [])
    sink = DiagnosticSink()
    parsed = parse(SourceFile("<gen>", printed), sink)
    assert parsed is not None, (printed, sink.items)
    assert ast.structure(parsed) == ast.structure(module), printed
    # format → parse → format: format_source raises FormatterBug unless the text parses to
    # the same program and formats to itself
    assert format_source(SourceFile("<gen>", printed)).text is not None
    check_robust(printed)


# ---------------------------------------------------------------- (e) hostile specs

_EDGES = [
    "1e999",
    "-0.0",
    "0.0",
    "nan",
    "inf",
    "0",
    "-1",
    "1e308",
    "4.9e-324",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775807",
    "1" * 30,
    "9" * 5000,
    "[" * 40 + "1" + "]" * 40,
    "[1] * 100001",
    "range(100000)",
    "range(0, 10, 0)",
    "range(1e20)",
    "range(-9223372036854775807, 9223372036854775807)",
    "3x",
    "1e",
    "0x",
    "3x3x3",
    "3 x 3",
    "99999999999999999999x3",
    '"s"',
    "true",
    "a",
    "b",
]
_FUNCS = ["int", "float", "round", "ceil", "floor", "abs", "len", "min", "max", "range"]
_BINARY = ["+", "-", "*", "/", "//", "%", "==", "<", "and"]


def _hostile_expr(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(_BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(_FUNCS), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.lists(inner, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        inner.map(lambda x: f"-{x}"),
    )


HOSTILE_EXPRS = st.recursive(st.sampled_from(_EDGES), _hostile_expr, max_leaves=4)
_BOMBS = [  # a line, repeated: each step doubles what the one before built
    "let a = a + a",
    "let a = [a, a]",
    "let a = a * a",
    "let a = [a]",
]
_BAD_LINES = [  # issue 16's bad specs and misleading messages, one line each
    "input [3, 16, 16]",
    "let repeat = 1",
    "let true = 2",
    "let c = d",
    "let d = 3 +",
    "learner { repeet 2 { relu } }",
    "learner { conv(3, 3, kernel=3, kernel=5) }",
    "defaults { conv.bias = false, conv.bias = true }",
    "block Unit(c: itn, c) { conv(c, 3x3, stride=0) }",
    "learner { Unit(4) }",
]


@st.composite
def hostile_specs(draw: st.DrawFn) -> str:
    params = draw(st.lists(HOSTILE_EXPRS, max_size=2))
    lines = ["network T(" + ", ".join(f"p{i} = {e}" for i, e in enumerate(params)) + ") {"]
    lines += ["    input [3, 8, 8]", f"    let a = {draw(HOSTILE_EXPRS)}"]
    if draw(st.integers(0, 3)) == 0:
        lines += [f"    {draw(st.sampled_from(_BOMBS))}"] * draw(st.integers(1, 70))
    lines += [f"    let b = {draw(HOSTILE_EXPRS)}"]
    lines += [f"    {line}" for line in draw(st.lists(st.sampled_from(_BAD_LINES), max_size=3))]
    value = draw(HOSTILE_EXPRS)
    call = draw(st.sampled_from(["conv({}, 3x3)", "upsample({})", "bn(eps={})", "dropout({})"]))
    lines += [f"    task {{ {call.format(value)} }}", "}"]
    if draw(st.booleans()):
        lines += ["network U { input [3, 8, 8] }"]
    return "\n".join(lines) + "\n"


@_settings(600)
@given(hostile_specs())
def test_hostile_specs(text: str) -> None:
    check_robust(text)


def test_the_default_profile_runs_ten_thousand_cases() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    counts = [int(n) for n in re.findall(r"^@_settings\((\d+)\)", source, re.M)]
    assert sum(counts) >= 10_000
