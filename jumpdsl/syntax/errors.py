"""Lark's syntax errors as diagnostics that point at the true place, in words.

Lark reports a missing ``)`` at the token after it, and an unclosed ``{`` at the end of the
file. Where an unclosed bracket explains the error, the diagnostic points just after the last
token that belongs inside it and names the bracket that needs closing. Lark's own message text is
never shown (it copies raw input, control characters included).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.tree import Meta

from jumpdsl import messages as M
from jumpdsl.diagnostics import DiagnosticSink, Label
from jumpdsl.source import SourceFile, Span
from jumpdsl.syntax.grammar import keywords

__all__ = ["TERMINAL_WORDS", "report_syntax_error", "span_of"]

# How each terminal is named in "expected ..." messages.
TERMINAL_WORDS = {
    "NAME": "a name",
    "QNAME": "a name",  # ns.Name reads as a name too
    "INT": "an integer",
    "FLOAT": "a number",
    "SIZE": "a size such as 3x3",
    "STRING": "a quoted string",
    "TEMPLATE_KIND": "'block', 'group'",
    "SECTION": "'stem', 'learner', 'task'",
    "SHORTCUT": "'skip', 'jump'",
    "COMPARE": "a comparison",
    "ADD_OP": "'+', '-'",
    "MUL_OP": "'*', '/', '//', '%'",
    "POW_OP": "'**'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "STAR": "'*'",
    "MINUS": "'-'",
    "DOT": "'.'",
    "$END": "the end of the file",
}

_CLOSERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
_OPENERS = {close: open_ for open_, close in _CLOSERS.items()}


def _describe_token(token: Token) -> str:
    if token.type in ("NAME", "QNAME"):
        return f"name '{token.value}'"
    if token.type in ("INT", "FLOAT", "SIZE"):
        return f"number {token.value}"
    if token.type == "STRING":
        return "a string"
    return TERMINAL_WORDS.get(token.type, f"'{token.value}'")


def _word(terminal: str) -> str:
    if terminal in TERMINAL_WORDS:
        return TERMINAL_WORDS[terminal]
    # Lark names anonymous keyword terminals after the keyword in capitals ("FOR", "AS").
    return f"'{terminal.lower()}'" if terminal.isalpha() else terminal


def _expected_words(names: Iterable[str]) -> str:
    # A terminal may stand for several words ("'skip', 'jump'"): list each once.
    words = sorted({w for n in names for w in _word(n).split(", ")})
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _show_char(char: str) -> str:
    if char.isprintable() and char.isascii():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def _acceptable(err: UnexpectedInput) -> set[str]:
    """The terminals the parser would take here: asked of Lark's interactive parser, which is
    exact where the LALR table's expected set also lists tokens of states reduced away."""
    parser = getattr(err, "interactive_parser", None)
    if parser is not None:
        try:
            return set(parser.accepts())
        except UnexpectedInput:  # fall back to the table's set
            pass
    return set(getattr(err, "expected", ()) or ())


def _tokens_before(lex: Callable[[str], Iterable[Token]], text: str, pos: int) -> list[Token]:
    """The tokens that start before ``pos`` (stops quietly where lexing fails)."""
    tokens: list[Token] = []
    try:
        for token in lex(text):
            if (token.start_pos or 0) >= pos:
                break
            tokens.append(token)
    except UnexpectedInput:
        pass
    return tokens


def _unclosed(tokens: list[Token]) -> list[Token]:
    """The brackets still open after ``tokens``, innermost last (mismatches are skipped)."""
    stack: list[Token] = []
    for token in tokens:
        if token.type in _CLOSERS:
            stack.append(token)
        elif token.type in _OPENERS and stack and stack[-1].type == _OPENERS[token.type]:
            stack.pop()
    return stack


def _after(path: str, token: Token) -> Span:
    line = token.end_line or token.line or 1
    column = token.end_column or (token.column or 1) + len(token.value)
    return Span(path, line, column, line, column + 1)


def span_of(path: str, where: Meta | Token) -> Span:
    """The one helper that turns a Lark position (a token or a tree's meta) into a Span."""
    line, column = where.line or 1, where.column or 1
    end_line = where.end_line or line
    end_column = where.end_column or column + 1
    return Span(path, line, column, end_line, end_column)


def _missing_closer(
    source: SourceFile, sink: DiagnosticSink, tokens: list[Token], expected: set[str]
) -> bool:
    """Report 'missing )' just after the last token inside the innermost open bracket, when
    that bracket's closer is what the parser would accept here. True when reported."""
    open_ = _unclosed(tokens)
    if not open_ or not tokens:
        return False
    opener = open_[-1]
    closer = _CLOSERS[opener.type]
    if closer not in expected:
        return False
    sink.report(
        M.MISSING_BRACKET,
        _after(source.path, tokens[-1]),
        labels=(Label(span_of(source.path, opener), M.NOTE_OPENED_HERE),),
        closer=_word(closer),
        opener=_word(opener.type),
        line=opener.line,
    )
    return True


def _keyword_hint(token: Token, expected: set[str]) -> str | None:
    """'did you mean 'input'?' for a misspelt keyword."""
    if token.type != "NAME":
        return None
    keywords = [w.strip("'") for n in expected for w in _word(n).split(", ") if w[:1] == "'"]
    close = difflib.get_close_matches(token.value, [k for k in keywords if k.isalpha()], n=1)
    return M.DidYouMean.of(token.value, close) if close else None


def _comma_hint(token: Token, expected: set[str]) -> str | None:
    """Two values in a row where a list goes on: most likely a ',' is missing."""
    values = ("INT", "FLOAT", "SIZE", "STRING", "NAME", "LSQB", "LPAR")
    if token.type in values and "COMMA" in expected:
        return M.HINT_MISSING_COMMA
    return None


def _starts_something(token: Token, tokens: list[Token]) -> bool:
    """Whether the token looks like what comes after a bracket (a name, a keyword, another
    closer, a body after an unclosed '(' or '['): then a missing closer explains the error."""
    open_ = _unclosed(tokens)
    if not open_ or open_[-1].type == "LBRACE":
        return False  # inside braces a stray name is more likely a typo than a missing '}'
    if token.type == "LBRACE":
        return True
    keyword = token.type.isalpha() and token.type.isupper() and token.value.isalpha()
    return keyword or token.type in (
        "NAME",
        "RBRACE",
        "RPAR",
        "RSQB",
        "SECTION",
        "SHORTCUT",
        "TEMPLATE_KIND",
    )


_NUMBERS = ("INT", "FLOAT", "SIZE")
_OPERATORS = ("ADD_OP", "MUL_OP", "POW_OP", "MINUS", "COMPARE", "AND", "OR", "NOT", "STAR")
# A spaced-out size ('3 x 3'), from the number before the unexpected 'x'.
_SPACED_SIZE = re.compile(r"[0-9]+[ \t]+x[ \t]*[0-9]+|[0-9]+[ \t]*x[ \t]+[0-9]+")


def _explained_by_previous(
    token: Token, tokens: list[Token], source: SourceFile, sink: DiagnosticSink
) -> bool:
    """Report the error at a token before the unexpected one where that token explains it:
    a number run into a name (``3x``, ``1e``, ``3x3x3``, ``3 x 3``), an operator that ends its
    line, or a misspelt keyword (``repeet 3 { … }``). True when reported."""
    previous = tokens[-1]
    if previous.type in _NUMBERS and token.type == "NAME":
        return _malformed_number(token, previous, source, sink)
    dangling = _dangling_operator(token, tokens)
    if dangling is not None:
        sink.report(M.DANGLING_OPERATOR, span_of(source.path, dangling), op=dangling.value)
        return True
    if previous.type == "NAME":
        # Stricter than for names: the word may be a name after all (an op before a typo).
        hint = M.did_you_mean(previous.value, keywords(), cutoff=0.75, n=1)
        if hint is not None:
            sink.report(
                M.MISSPELT_KEYWORD,
                span_of(source.path, previous),
                hint=hint,
                word=previous.value,
                found=_describe_token(token),
            )
            return True
    return False


def _dangling_operator(token: Token, tokens: list[Token]) -> Token | None:
    """An operator that ends its line, where what follows cannot be its operand: the token
    itself, or a keyword the expression took for a name (``let a = 3 +`` / ``learner {``)."""
    operator, after = tokens[-1], token
    if len(tokens) > 1 and operator.value in keywords():
        operator, after = tokens[-2], operator
    if operator.type in _OPERATORS and (after.line or 0) > (operator.end_line or 0):
        return operator
    return None


def _malformed_number(
    token: Token, number: Token, source: SourceFile, sink: DiagnosticSink
) -> bool:
    start = number.start_pos or 0
    spaced = _SPACED_SIZE.match(source.text, start) if token.value == "x" else None
    if spaced:
        end = spaced.end()
    elif token.start_pos == number.end_pos:
        end = token.end_pos or start
    else:
        return False
    text = source.text[start:end]
    if "x" in text:
        hint = M.HINT_SIZE_LITERAL
    elif token.value[:1] in "eE" and number.type != "SIZE":
        hint = M.HINT_EXPONENT
    else:
        hint = M.HINT_NUMBER_THEN_NAME
    line, column = number.line or 1, number.column or 1
    span = Span(source.path, line, column, line, column + len(text))
    sink.report(M.MALFORMED_NUMBER, span, hint=hint, text=text)
    return True


def report_syntax_error(
    err: UnexpectedInput,
    source: SourceFile,
    sink: DiagnosticSink,
    lex: Callable[[str], Iterable[Token]] | None = None,
) -> None:
    """Turn a Lark error into one diagnostic; ``lex`` (the parser's lexer) finds brackets."""
    at_end = isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    )
    expected = _acceptable(err)
    if at_end:
        tokens = _tokens_before(lex, source.text, len(source.text)) if lex else []
        if _missing_closer(source, sink, tokens, expected):
            return
        # Past the comments and blank lines at the end: just after the last real token.
        where = _after(source.path, tokens[-1]) if tokens else source.end_span()
        sink.report(
            M.UNEXPECTED_EOF,
            where,
            expected=_expected_words(expected),
        )
    elif isinstance(err, UnexpectedToken):
        token = err.token
        tokens = _tokens_before(lex, source.text, token.start_pos or 0) if lex else []
        if tokens and _explained_by_previous(token, tokens, source, sink):
            return
        if _starts_something(token, tokens) and _missing_closer(source, sink, tokens, expected):
            return
        sink.report(
            M.UNEXPECTED_TOKEN,
            span_of(source.path, token),
            hint=_keyword_hint(token, expected) or _comma_hint(token, expected),
            found=_describe_token(token),
            expected=_expected_words(expected),
        )
    elif isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        char = source.text[pos] if pos < len(source.text) else "?"
        line, column = err.line or 1, err.column or 1
        quote = char in "\"'"
        sink.report(
            M.UNEXPECTED_CHARACTER,
            Span(source.path, line, column, line, column + 1),
            hint=M.HINT_STRING_ON_ONE_LINE if quote else None,
            char=_show_char(char),
        )
