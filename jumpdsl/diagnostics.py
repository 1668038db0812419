"""Diagnostics as values, and the sink every stage reports into.

Codes are in :mod:`jumpdsl.errorcodes`, the words in :mod:`jumpdsl.messages`. A stage reports
and keeps going where it can; where it cannot, :meth:`DiagnosticSink.fail` reports and unwinds
with :class:`Reported`, which the stage catches where it can go on (the next statement, the
next file). Only the CLI renders (see :mod:`jumpdsl.report`).

>>> from jumpdsl import messages as M
>>> sink = DiagnosticSink()
>>> d = sink.report(M.UNKNOWN_NAME, None, what="op", name="cnov", hint="did you mean 'conv'?")
>>> (d.code, d.message, sink.has_errors)
('JD201', "unknown op 'cnov'", True)
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from jumpdsl.errorcodes import Severity
from jumpdsl.messages import DidYouMean, Message
from jumpdsl.source import Span

__all__ = [
    "Aborted",
    "Diagnostic",
    "DiagnosticSink",
    "JumpdslError",
    "Label",
    "Reported",
    "Suggestion",
    "visible",
]


_INVISIBLE = ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")


def visible(text: str) -> str:
    """Control, format (bidi) and private characters as ``<U+202E>``: diagnostics quote user
    input, and a terminal must show it, not obey it.

    >>> visible("a\\u202eb\\x1b")
    'a<U+202E>b<U+001B>'
    """
    return "".join(
        f"<U+{ord(c):04X}>" if unicodedata.category(c) in _INVISIBLE or c == "\ufffd" else c
        for c in text
    )


@dataclass(frozen=True)
class Label:
    """A secondary span with a short message ('this input is 64×16×16')."""

    span: Span
    message: str


@dataclass(frozen=True)
class Suggestion:
    """A mechanical fix behind a 'did you mean' hint: ``word``, written inside the span, could
    be any of ``names``."""

    word: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    labels: tuple[Label, ...] = ()
    hint: str | None = None
    suggestion: Suggestion | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (*self.span.sort_key(), self.code)

    def to_json(self) -> dict[str, Any]:
        def span_json(span: Span) -> dict[str, Any]:
            return {
                "path": span.path,
                "line": span.line,
                "column": span.column,
                "end_line": span.end_line,
                "end_column": span.end_column,
            }

        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "span": span_json(self.span) if self.span else None,
            "labels": [{"message": lb.message, "span": span_json(lb.span)} for lb in self.labels],
            "hint": self.hint,
        }


@dataclass
class DiagnosticSink:
    """Collects diagnostics from every stage; an exact repeat is kept once.

    Inside :meth:`within` (a template's body), every diagnostic gets a note at each call that
    led there, innermost first; the same problem met again through other calls (a block
    called in a loop) is kept once, with the first chain."""

    items: list[Diagnostic] = field(default_factory=list)
    calls: list[Label] = field(default_factory=list)
    _seen_within: set[Diagnostic] = field(default_factory=set, repr=False)
    _kept: set[Diagnostic] = field(default_factory=set, repr=False)  # items, to find repeats

    def __post_init__(self) -> None:
        self._kept.update(self.items)

    def _keep(self, diag: Diagnostic) -> None:
        # A set beside the list: 5,000 diagnostics are not 12 million comparisons.
        if diag not in self._kept:
            self._kept.add(diag)
            self.items.append(diag)

    @contextmanager
    def within(self, call: Label) -> Iterator[None]:
        """Report what happens inside with a note at ``call`` (a template's call site)."""
        self.calls.append(call)
        try:
            yield
        finally:
            self.calls.pop()

    def report(
        self,
        message: Message,
        span: Span | None,
        *,
        labels: tuple[Label, ...] = (),
        hint: str | None = None,
        **fields: Any,
    ) -> Diagnostic:
        """Add a diagnostic; ``hint`` replaces the message's own hint when given."""
        labels = tuple(Label(label.span, visible(label.message)) for label in labels)
        hint = message.hint_text(fields) if hint is None else hint
        suggestion = None
        if isinstance(hint, DidYouMean):
            suggestion = Suggestion(hint.word, hint.names)
        diag = Diagnostic(
            message.code.code,
            message.code.severity,
            visible(message.text(fields)),
            span,
            labels,
            None if hint is None else visible(hint),
            suggestion,
        )
        if self.calls:
            if diag in self._seen_within:
                return diag
            self._seen_within.add(diag)
            diag = dataclasses.replace(diag, labels=labels + tuple(reversed(self.calls)))
        self._keep(diag)
        return diag

    def fail(
        self,
        message: Message,
        span: Span | None,
        *,
        labels: tuple[Label, ...] = (),
        hint: str | None = None,
        **fields: Any,
    ) -> NoReturn:
        """Report, then unwind to whoever can go on (:class:`Reported`)."""
        self.report(message, span, labels=labels, hint=hint, **fields)
        raise Reported

    def abort(
        self, message: Message, span: Span | None, *, hint: str | None = None, **fields: Any
    ) -> NoReturn:
        """Report, then stop the whole stage (:class:`Aborted`): a limit was passed."""
        self.report(message, span, hint=hint, **fields)
        raise Aborted

    def extend(self, diags: list[Diagnostic]) -> None:
        for diag in diags:
            self._keep(diag)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)


class Reported(Exception):
    """The one way a stage unwinds: the problem is in the sink already, and the catcher goes
    on with the next statement, file or value."""


class Aborted(Reported):
    """Unwinds the whole stage: going on would only pass the limit again."""


class JumpdslError(Exception):
    """Raised by the Python API when a spec has errors; carries the diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic], rendered: str) -> None:
        super().__init__(rendered)
        self.diagnostics = diagnostics
