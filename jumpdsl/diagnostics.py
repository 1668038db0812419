"""Diagnostics as values: codes and message templates in one table, and a sink that collects them.

Every stage reports into a :class:`DiagnosticSink` and keeps going where it can; only the CLI
renders (see :mod:`jumpdsl.report`).

>>> sink = DiagnosticSink()
>>> d = sink.report(UNKNOWN_NAME, None, what="op", name="cnov", hint="did you mean 'conv'?")
>>> (d.code, d.message, sink.has_errors)
('JD201', "unknown op 'cnov'", True)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from jumpdsl.source import Span

__all__ = [
    "CODES",
    "Code",
    "Diagnostic",
    "DiagnosticSink",
    "JumpdslError",
    "Label",
    "Severity",
]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


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


class _Fields(dict[str, Any]):
    """Template fields; an optional one left out (such as ``where``) reads as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Code:
    """One kind of problem: a stable code, a short name and the message template."""

    code: str
    name: str
    template: str
    severity: Severity = Severity.ERROR

    def message(self, fields: dict[str, Any]) -> str:
        """The template filled in; an optional field left out (``where``) reads as nothing."""
        return self.template.format_map(_Fields(fields))


CODES: dict[str, Code] = {}


def _code(code: str, name: str, template: str, severity: Severity = Severity.ERROR) -> Code:
    entry = Code(code, name, template, severity)
    CODES[code] = entry
    return entry


# Syntax and input files
UNEXPECTED_TOKEN = _code("JD101", "unexpected-token", "unexpected {found}; expected {expected}")
UNEXPECTED_CHARACTER = _code("JD102", "unexpected-character", "unexpected character {char}")
UNEXPECTED_EOF = _code("JD103", "unexpected-end", "the file ends too early; expected {expected}")
NOT_UTF8 = _code("JD104", "not-utf8", "byte 0x{byte} is not valid UTF-8; save the file as UTF-8")
EMPTY_FILE = _code("JD105", "empty-file", "the file is empty")
TOO_DEEP = _code("JD106", "too-deep", "nesting deeper than {limit} levels")
FILE_TOO_LARGE = _code("JD107", "file-too-large", "the file is {size} bytes, over the {limit}")
CANNOT_READ = _code("JD108", "cannot-read", "cannot read {path}: {reason}")
MISSING_BRACKET = _code(
    "JD109", "missing-bracket", "missing {closer}: the {opener} at line {line} is not closed"
)

# Names, calls and values
UNKNOWN_NAME = _code("JD201", "unknown-name", "unknown {what} '{name}'{where}")
BAD_ARGUMENTS = _code("JD202", "bad-arguments", "{message}")
BAD_TYPE = _code("JD203", "bad-type", "{what} expects {expected}, got {got}")
DUPLICATE_NAME = _code("JD204", "duplicate-name", "{what} '{name}' is defined twice{where}")
RECURSIVE_TEMPLATE = _code(
    "JD205", "recursive-template", "{kind} '{name}' uses itself (through {chain})"
)
NO_NETWORK = _code("JD206", "no-network", "{message}")
BAD_OVERRIDE = _code("JD207", "bad-override", "{message}")
MISPLACED = _code("JD208", "misplaced", "{message}")
BAD_VALUE = _code("JD209", "bad-value", "{message}")
BAD_IMPORT = _code("JD210", "bad-import", "{message}")

# Shapes
MERGE_MISMATCH = _code("JD301", "merge-shape-mismatch", "cannot {merge} tensors of shapes {shapes}")
SPATIAL_COLLAPSE = _code(
    "JD302", "spatial-collapse", "{op} turns a {size} input into a size of {out}"
)
KERNEL_TOO_LARGE = _code(
    "JD303", "kernel-too-large", "{op} window {kernel} is larger than its {size} input"
)
GROUPS_NOT_DIVISIBLE = _code("JD304", "groups-not-divisible", "{message}")
BAD_RANK = _code("JD305", "bad-rank", "{op} needs {expected} input, got shape {shape}")

# The graph as a whole
CYCLE = _code("JD401", "cycle", "this would make a cycle: {chain}")
LIMIT_EXCEEDED = _code("JD402", "limit-exceeded", "{message}")

# Warnings
UNUSED_DEFINITION = _code(
    "JD501", "unused-definition", "{kind} '{name}' is never used", Severity.WARNING
)
DANGLING_TENSOR = _code(
    "JD502",
    "dangling-tensor",
    "tensor '{name}' is named but never used",
    Severity.WARNING,
)


@dataclass(frozen=True)
class Label:
    """A secondary span with a short message ('this input is 64×16×16')."""

    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    labels: tuple[Label, ...] = ()
    hint: str | None = None

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
    """Collects diagnostics from every stage; an exact repeat is kept once."""

    items: list[Diagnostic] = field(default_factory=list)

    def report(
        self,
        code: Code,
        span: Span | None,
        *,
        labels: tuple[Label, ...] = (),
        hint: str | None = None,
        **fields: Any,
    ) -> Diagnostic:
        labels = tuple(Label(label.span, visible(label.message)) for label in labels)
        diag = Diagnostic(
            code.code,
            code.severity,
            visible(code.message(fields)),
            span,
            labels,
            None if hint is None else visible(hint),
        )
        if diag not in self.items:
            self.items.append(diag)
        return diag

    def extend(self, diags: list[Diagnostic]) -> None:
        for diag in diags:
            if diag not in self.items:
                self.items.append(diag)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)


class JumpdslError(Exception):
    """Raised by the Python API when a spec has errors; carries the diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic], rendered: str) -> None:
        super().__init__(rendered)
        self.diagnostics = diagnostics
