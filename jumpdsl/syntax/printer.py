"""AST (+ comments) → canonical .jnet text: the formatter behind ``jumpdsl fmt``.

Canonical means: four-space indentation, one space between statements, ``name=value`` keyword
arguments, minimal parentheses, one blank line between top-level items, trailing commas in
one-per-line lists. The writer's own line breaks are kept: statements written on one line stay on
one line, a body written on one line stays inline while it fits in 100 columns, and single blank
lines between statements survive. Every comment is kept, in place.

>>> from jumpdsl.diagnostics import DiagnosticSink
>>> from jumpdsl.source import SourceFile
>>> from jumpdsl.syntax.parser import parse
>>> text = "network  T{input [3,8,8]\\n task{gap   dense( 10 )}}"
>>> format_module(parse(SourceFile("t.jnet", text), DiagnosticSink()), [])
'network T {\\n    input [3, 8, 8]\\n    task { gap dense(10) }\\n}\\n'

``jumpdsl.formatting.format_source`` is the checked entry (same tree, every comment kept).
"""

from __future__ import annotations

from collections.abc import Sequence

from jumpdsl.syntax import ast

__all__ = ["WIDTH", "expr_text", "format_module", "type_text"]

WIDTH = 100
INDENT = "    "

# Binding strength of each expression form; higher binds tighter.
_COND, _OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _POWER, _POSTFIX = range(10)
_BINOP_PREC = {
    "+": _SUM,
    "-": _SUM,
    "*": _PRODUCT,
    "/": _PRODUCT,
    "//": _PRODUCT,
    "%": _PRODUCT,
    "**": _POWER,
}


def _prec(e: ast.Expr) -> int:
    if isinstance(e, ast.Cond):
        return _COND
    if isinstance(e, ast.BoolOp):
        return _OR if e.op == "or" else _AND
    if isinstance(e, ast.Not):
        return _NOT
    if isinstance(e, ast.Compare):
        return _COMPARE
    if isinstance(e, ast.BinOp):
        return _BINOP_PREC[e.op]
    if isinstance(e, ast.Neg):
        return _UNARY
    return _POSTFIX


def _wrap(e: ast.Expr, least: int) -> str:
    """``e`` as text, in parentheses when it binds looser than ``least``."""
    text = expr_text(e)
    return f"({text})" if _prec(e) < least else text


def _str_literal(value: str) -> str:
    return f"'{value}'" if '"' in value else f'"{value}"'


def _label_text(label: str | None) -> str:
    """A figure label as written after a call or a template's parameters, with its space."""
    return "" if label is None else " " + _str_literal(label)


def expr_text(e: ast.Expr) -> str:
    """An expression in canonical form with the fewest parentheses that keep its meaning.

    >>> from jumpdsl.source import Span
    >>> s = Span("x", 1, 1, 1, 1)
    >>> expr_text(ast.BinOp("*", ast.BinOp("+", ast.Var("a", s), ast.Int(1, s), s),
    ...                     ast.Int(2, s), s))
    '(a + 1) * 2'
    """
    if isinstance(e, ast.Int):
        return str(e.value)
    if isinstance(e, ast.Float):
        return e.text
    if isinstance(e, ast.Size):
        return e.text
    if isinstance(e, ast.Str):
        return _str_literal(e.value)
    if isinstance(e, ast.Var):
        return e.name
    if isinstance(e, ast.ListLit):
        return "[" + ", ".join(expr_text(i) for i in e.items) + "]"
    if isinstance(e, ast.TupleLit):
        inner = ", ".join(expr_text(i) for i in e.items)
        return f"({inner},)" if len(e.items) == 1 else f"({inner})"
    if isinstance(e, ast.Index):
        return f"{_wrap(e.target, _POSTFIX)}[{expr_text(e.index)}]"
    if isinstance(e, ast.Func):
        return f"{e.name}(" + ", ".join(expr_text(a) for a in e.args) + ")"
    if isinstance(e, ast.BinOp) and e.op == "**":  # right-associative; -x on its right is fine
        return f"{_wrap(e.left, _POSTFIX)} ** {_wrap(e.right, _UNARY)}"
    if isinstance(e, ast.BinOp):
        prec = _BINOP_PREC[e.op]
        return f"{_wrap(e.left, prec)} {e.op} {_wrap(e.right, prec + 1)}"
    if isinstance(e, ast.Cond):
        return f"if {_wrap(e.cond, _OR)} then {_wrap(e.then, _OR)} else {expr_text(e.orelse)}"
    if isinstance(e, ast.Compare):
        return f"{_wrap(e.left, _SUM)} {e.op} {_wrap(e.right, _SUM)}"
    if isinstance(e, ast.BoolOp):
        prec = _prec(e)
        return f"{_wrap(e.left, prec)} {e.op} {_wrap(e.right, prec + 1)}"
    if isinstance(e, ast.Not):
        return f"not {_wrap(e.operand, _NOT)}"
    if isinstance(e, ast.Neg):
        return f"-{_wrap(e.operand, _UNARY)}"
    raise TypeError(f"not an expression: {e!r}")


def type_text(t: ast.TypeRef) -> str:
    """A type as written: ``list[tuple[int, int]]``."""
    if not t.args:
        return t.name
    return f"{t.name}[{', '.join(type_text(a) for a in t.args)}]"


def _param_text(p: ast.Param) -> str:
    text = p.name
    if p.type is not None:
        text += f": {type_text(p.type)}"
    if p.default is not None:
        text += f" = {expr_text(p.default)}"
    return text


def _arg_text(a: ast.Arg) -> str:
    return expr_text(a.value) if a.name is None else f"{a.name}={expr_text(a.value)}"


def _target_text(t: ast.Target | ast.TargetTuple) -> str:
    if isinstance(t, ast.Target):
        return t.name
    return "(" + ", ".join(_target_text(i) for i in t.items) + ")"


def _one_line(stmts: Sequence[ast.Stmt]) -> bool:
    return not stmts or stmts[0].span.line == stmts[-1].span.end_line


class _Printer:
    """Writes lines; statements go into the current line until the source had a line break."""

    def __init__(self, comments: list[ast.Comment]) -> None:
        self.lines: list[str] = []
        self.comments = sorted(comments, key=lambda c: (c.span.line, c.span.column))
        self.next_comment = 0
        self.buf: str | None = None  # the output line being built
        self.buf_src = 0  # the source line its last piece came from
        self.last_src = 0  # the last source line accounted for in the output
        self.after_comment = False  # the last output line is an own-line comment

    # ------------------------------------------------------------ lines and comments
    def write(self, text: str, src_line: int, indent: int) -> None:
        if self.buf is None:
            self.buf = INDENT * indent + text
            self.after_comment = False
        else:
            self.buf += " " + text
        self.buf_src = src_line
        self.last_src = max(self.last_src, src_line)

    def newline(self) -> None:
        if self.buf is None:
            return
        while (
            self.next_comment < len(self.comments)
            and self.comments[self.next_comment].span.line <= self.buf_src
        ):
            self.buf += "  " + self.comments[self.next_comment].text
            self.next_comment += 1
        self.lines.append(self.buf.rstrip())
        self.buf = None

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def comments_before(self, line: int, indent: int, keep_blank: bool = True) -> None:
        """Own-line comments that come before source ``line``, each on a line of its own."""
        self.newline()
        while (
            self.next_comment < len(self.comments)
            and self.comments[self.next_comment].span.line < line
        ):
            comment = self.comments[self.next_comment]
            if keep_blank and self.last_src and comment.span.line > self.last_src + 1:
                self.blank()
            self.lines.append(INDENT * indent + comment.text)
            self.after_comment = True
            self.last_src = comment.span.line
            self.next_comment += 1

    def start_item(self, line: int, indent: int, first: bool) -> None:
        """Before a statement or item on a new line: its comments, and a kept blank line."""
        self.comments_before(line, indent)
        if (not first or self.after_comment) and self.last_src and line > self.last_src + 1:
            self.blank()

    def fits(self, text: str) -> bool:
        return len(self.buf or "") + 1 + len(text) <= WIDTH

    # ------------------------------------------------------------ statements
    def body(self, stmts: Sequence[ast.Stmt], indent: int) -> None:
        for index, stmt in enumerate(stmts):
            if self.buf is not None and stmt.span.line > self.buf_src:
                self.newline()
            if self.buf is None:
                self.start_item(stmt.span.line, indent, index == 0)
            self.stmt(stmt, indent)

    def block(
        self,
        header: str,
        stmts: Sequence[ast.Stmt],
        line: int,
        end: int,
        indent: int,
        inline_ok: bool,
    ) -> None:
        """``header { stmts }``: inline when written so and it fits, else one level deeper."""
        inline = self.inline_body(stmts)
        if inline_ok and line == end and inline is not None:
            text = f"{header} {inline}" if header else inline
            if self.fits(text):
                self.write(text, end, indent)
                return
        self.write(f"{header} {{" if header else "{", line, indent)
        self.newline()
        self.body(stmts, indent + 1)
        self.comments_before(end, indent + 1)
        self.write("}", end, indent)

    def inline_body(self, stmts: Sequence[ast.Stmt]) -> str | None:
        """``{ a b c }`` for statements that all print on one line, else None."""
        if not stmts:
            return "{}"
        parts = []
        for stmt in stmts:
            text = self.inline_stmt(stmt)
            if text is None:
                return None
            parts.append(text)
        return "{ " + " ".join(parts) + " }"

    def inline_stmt(self, stmt: ast.Stmt) -> str | None:
        simple = _simple_text(stmt)
        if simple is not None:
            return simple
        if stmt.span.line != stmt.span.end_line:
            return None
        if isinstance(stmt, ast.Shortcut):
            body = self.inline_body(stmt.path or ())
            return None if body is None else f"{_shortcut_head(stmt)} {body}"
        if isinstance(stmt, ast.Repeat):
            body = self.inline_body(stmt.body)
            return None if body is None else f"repeat {expr_text(stmt.count)} {body}"
        if isinstance(stmt, ast.For):
            body = self.inline_body(stmt.body)
            head = f"for {_target_text(stmt.target)} in {expr_text(stmt.iterable)}"
            return None if body is None else f"{head} {body}"
        if isinstance(stmt, ast.Branch):
            arms = [self.inline_body(arm) for arm in stmt.arms]
            if any(a is None for a in arms):
                return None
            return f"branch {stmt.merge} {{ " + " ".join(a for a in arms if a) + " }"
        if isinstance(stmt, ast.If):
            return self.inline_if(stmt)
        return None

    def inline_if(self, stmt: ast.If) -> str | None:
        then = self.inline_body(stmt.then)
        if then is None:
            return None
        text = f"if {expr_text(stmt.cond)} {then}"
        if stmt.orelse is None:
            return text
        if len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If):
            rest = self.inline_if(stmt.orelse[0])
            return None if rest is None else f"{text} else {rest}"
        orelse = self.inline_body(stmt.orelse)
        return None if orelse is None else f"{text} else {orelse}"

    def stmt(self, stmt: ast.Stmt, indent: int) -> None:
        simple = _simple_text(stmt)
        if simple is not None:
            self.write(simple, stmt.span.end_line, indent)
            return
        line, end = stmt.span.line, stmt.span.end_line
        if isinstance(stmt, ast.Shortcut):
            self.block(_shortcut_head(stmt), stmt.path or (), line, end, indent, True)
        elif isinstance(stmt, ast.Repeat):
            self.block(f"repeat {expr_text(stmt.count)}", stmt.body, line, end, indent, True)
        elif isinstance(stmt, ast.For):
            head = f"for {_target_text(stmt.target)} in {expr_text(stmt.iterable)}"
            self.block(head, stmt.body, line, end, indent, True)
        elif isinstance(stmt, ast.If):
            self.if_stmt(stmt, indent)
        elif isinstance(stmt, ast.Branch):
            self.branch(stmt, indent)

    def if_stmt(self, stmt: ast.If, indent: int) -> None:
        inline = self.inline_if(stmt) if stmt.span.line == stmt.span.end_line else None
        if inline is not None and self.fits(inline):
            self.write(inline, stmt.span.end_line, indent)
            return
        self.if_chain(stmt, indent)

    def if_chain(self, stmt: ast.If, indent: int) -> None:
        """``if c { … } else if d { … } else { … }``, each part one level deeper."""
        close = stmt.else_span.line if stmt.else_span else stmt.span.end_line
        head = f"if {expr_text(stmt.cond)}"
        self.block(head, stmt.then, stmt.span.line, close, indent, False)
        if stmt.orelse is None:
            return
        self.buf = (self.buf or "") + " else"
        if len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If):
            self.if_chain(stmt.orelse[0], indent)
        else:
            self.block("", stmt.orelse, close, stmt.span.end_line, indent, False)

    def branch(self, stmt: ast.Branch, indent: int) -> None:
        inline = self.inline_stmt(stmt)
        if inline is not None and self.fits(inline):
            self.write(inline, stmt.span.end_line, indent)
            return
        self.write(f"branch {stmt.merge} {{", stmt.span.line, indent)
        self.newline()
        for arm in stmt.arms:
            if arm:
                self.start_item(arm[0].span.line, indent + 1, True)
            inline_arm = self.inline_body(arm) if _one_line(arm) else None
            if inline_arm is not None:
                self.write(inline_arm, arm[-1].span.end_line if arm else self.last_src, indent + 1)
            else:
                self.write("{", arm[0].span.line, indent + 1)
                self.newline()
                self.body(arm, indent + 2)
                self.newline()
                self.write("}", arm[-1].span.end_line, indent + 1)
            self.newline()
        self.comments_before(stmt.span.end_line, indent + 1)
        self.write("}", stmt.span.end_line, indent)

    # ------------------------------------------------------------ declarations
    def params(
        self,
        head: str,
        params: tuple[ast.Param, ...],
        line: int,
        indent: int,
        header_end: int,
        label: str = "",
    ) -> None:
        """``head(params) {`` inline when it was written on one line and fits; ``label`` (a
        template's figure label, with its leading space) goes before the ``{``."""
        inline = f"{head}({', '.join(_param_text(p) for p in params)})" if params else head
        inline += label
        if line == header_end and len(INDENT * indent + inline + " {") <= WIDTH:
            self.write(inline + " {", line, indent)
            self.newline()
            return
        self.write(f"{head}(", line, indent)
        self.newline()
        for param in params:
            self.start_item(param.span.line, indent + 1, True)
            if param.default is None:
                self.write(_param_text(param) + ",", param.span.end_line, indent + 1)
            else:
                head = _param_text(ast.Param(param.name, param.type, None, param.span))
                self.value(f"{head} = ", param.default, ",", indent + 1, param.span.end_line)
            self.newline()
        self.comments_before(header_end, indent + 1)
        self.write(f"){label} {{", header_end, indent)
        self.newline()

    def value(self, prefix: str, expr: ast.Expr, suffix: str, indent: int, line: int) -> None:
        """``prefix expr suffix``; a list or tuple written over several lines, or too wide for
        one, gets one item per line."""
        text = prefix + expr_text(expr) + suffix
        items = expr.items if isinstance(expr, ast.ListLit | ast.TupleLit) else ()
        several_lines = expr.span.line != expr.span.end_line
        if not items or (not several_lines and len(INDENT * indent + text) <= WIDTH):
            self.write(text, line, indent)
            return
        opener, closer = ("[", "]") if isinstance(expr, ast.ListLit) else ("(", ")")
        self.write(prefix + opener, expr.span.line, indent)
        self.newline()
        for item in items:
            self.start_item(item.span.line, indent + 1, True)
            self.write(expr_text(item) + ",", item.span.end_line, indent + 1)
            self.newline()
        self.comments_before(expr.span.end_line, indent + 1)
        self.write(closer + suffix, expr.span.end_line, indent)

    def template(self, tpl: ast.Template, indent: int) -> None:
        head = f"{tpl.kind} {tpl.name}"
        header_end = _header_end(tpl.params, tpl.name_span.line)
        label = _label_text(tpl.label)
        if tpl.span.line == tpl.span.end_line:
            inline = self.inline_body(tpl.body)
            signature = (
                f"{head}({', '.join(_param_text(p) for p in tpl.params)})" if (tpl.params) else head
            )
            signature += label
            if inline is not None and len(INDENT * indent + signature + " " + inline) <= WIDTH:
                self.write(f"{signature} {inline}", tpl.span.end_line, indent)
                self.newline()
                return
        self.params(head, tpl.params, tpl.span.line, indent, header_end, label)
        self.body(tpl.body, indent + 1)
        self.comments_before(tpl.span.end_line, indent + 1)
        self.write("}", tpl.span.end_line, indent)
        self.newline()

    def net_item(self, item: ast.NetItem, indent: int) -> None:
        if isinstance(item, ast.Template):
            self.template(item, indent)
            return
        if isinstance(item, ast.Section):
            self.block(item.name, item.body, item.span.line, item.span.end_line, indent, True)
        elif isinstance(item, ast.InputDecl):
            self.write(f"input {expr_text(item.shape)}", item.span.end_line, indent)
        elif isinstance(item, ast.Let):
            self.value(f"let {item.name} = ", item.value, "", indent, item.span.end_line)
        elif isinstance(item, ast.Function):
            self.function(item, indent)
            return
        elif isinstance(item, ast.Defaults):
            self.defaults(item, indent)
        self.newline()

    def function(self, fn: ast.Function, indent: int) -> None:
        """``fn f(params) = expr`` on one line; with lets, a body ending in ``return``."""
        head = f"fn {fn.name}({', '.join(_param_text(p) for p in fn.params)})"
        if not fn.lets:
            self.value(f"{head} = ", fn.result, "", indent, fn.span.end_line)
            self.newline()
            return
        self.write(head + " {", fn.span.line, indent)
        self.newline()
        for let in fn.lets:
            self.start_item(let.span.line, indent + 1, True)
            self.value(f"let {let.name} = ", let.value, "", indent + 1, let.span.end_line)
            self.newline()
        self.start_item(fn.result.span.line, indent + 1, True)
        self.value("return ", fn.result, "", indent + 1, fn.result.span.end_line)
        self.newline()
        self.comments_before(fn.span.end_line, indent + 1)
        self.write("}", fn.span.end_line, indent)
        self.newline()

    def defaults(self, item: ast.Defaults, indent: int) -> None:
        settings = [f"{'.'.join(s.path)} = {expr_text(s.value)}" for s in item.settings]
        inline = "defaults { " + ", ".join(settings) + " }" if settings else "defaults {}"
        if item.span.line == item.span.end_line and len(INDENT * indent + inline) <= WIDTH:
            self.write(inline, item.span.end_line, indent)
            return
        self.write("defaults {", item.span.line, indent)
        self.newline()
        for setting, text in zip(item.settings, settings, strict=False):
            self.start_item(setting.span.line, indent + 1, True)
            self.write(text + ",", setting.span.end_line, indent + 1)
            self.newline()
        self.comments_before(item.span.end_line, indent + 1)
        self.write("}", item.span.end_line, indent)

    def network(self, net: ast.Network) -> None:
        self.params(
            f"network {net.name}",
            net.params,
            net.span.line,
            0,
            _header_end(net.params, net.name_span.line),
        )
        for index, item in enumerate(net.items):
            self.start_item(item.span.line, 1, index == 0)
            self.net_item(item, 1)
        self.comments_before(net.span.end_line, 1)
        self.write("}", net.span.end_line, 0)
        self.newline()

    def module(self, module: ast.Module) -> str:
        for index, item in enumerate(module.items):
            self.newline()
            previous = module.items[index - 1] if index else None
            # One blank line between top-level items; a run of `use` lines stays together.
            if previous is not None and not (
                isinstance(item, ast.Use) and isinstance(previous, ast.Use)
            ):
                self.blank()
            self.start_item(item.span.line, 0, index == 0)
            if isinstance(item, ast.Network):
                self.network(item)
            elif isinstance(item, ast.Template):
                self.template(item, 0)
            elif isinstance(item, ast.Use):
                alias = f" as {item.alias}" if item.alias is not None else ""
                self.write(f"use {_str_literal(item.path)}{alias}", item.span.end_line, 0)
                self.newline()
            elif isinstance(item, ast.Function):
                self.function(item, 0)
            elif isinstance(item, ast.Let):
                self.value(f"let {item.name} = ", item.value, "", 0, item.span.end_line)
                self.newline()
        self.comments_before(1 << 30, 0)
        return "\n".join(self.lines).strip("\n") + "\n"


def _header_end(params: tuple[ast.Param, ...], name_line: int) -> int:
    """The source line of the ``{`` after a parameter list. The AST keeps no span for it:
    assume the line of the name, or the line after the last parameter when they were
    written one per line."""
    if not params or params[-1].span.end_line == name_line:
        return name_line
    return params[-1].span.end_line + 1


def _tensor_text(name: str, index: ast.Expr | None) -> str:
    return name if index is None else f"{name}[{expr_text(index)}]"


def _shortcut_head(stmt: ast.Shortcut) -> str:
    origin = f" from {_tensor_text(stmt.origin, stmt.origin_index)}" if stmt.origin else ""
    return f"{stmt.kind} {stmt.merge}{origin}"


def _simple_text(stmt: ast.Stmt) -> str | None:
    """Text of a statement without a body, or None."""
    if isinstance(stmt, ast.Call):
        text = stmt.name
        if stmt.args is not None:
            text += "(" + ", ".join(_arg_text(a) for a in stmt.args) + ")"
        if stmt.count is not None:
            text += f" * {_wrap(stmt.count, _UNARY)}"
        return text + _label_text(stmt.label)
    if isinstance(stmt, ast.Let):
        return f"let {stmt.name} = {expr_text(stmt.value)}"
    if isinstance(stmt, ast.Mark):
        return f"as {_tensor_text(stmt.name, stmt.index)}"
    if isinstance(stmt, ast.Shortcut) and stmt.path is None:
        return _shortcut_head(stmt)
    return None


def format_module(module: ast.Module, comments: list[ast.Comment]) -> str:
    """The canonical text of a parsed file, with its comments."""
    return _Printer(comments).module(module)
