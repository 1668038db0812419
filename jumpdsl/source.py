"""Source files and spans: where every AST node, IR node and diagnostic points."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SourceFile", "Span", "decode_source"]


@dataclass(frozen=True)
class Span:
    """A region of one source file; lines and columns are 1-based, ``end_column`` exclusive.

    >>> Span("net.jnet", 3, 5, 3, 9).describe()
    'net.jnet:3:5'
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __init__(self, path: str, line: int, column: int, end_line: int, end_column: int) -> None:
        # The fields in one step: the generated __init__ sets each through object.__setattr__
        # (a frozen instance refuses assignment), twice as slow, and the parser makes a span
        # for nearly every rule it reduces.
        self.__dict__.update(
            path=path, line=line, column=column, end_line=end_line, end_column=end_column
        )

    def describe(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


@dataclass(frozen=True)
class SourceFile:
    """The text of one spec and the name it is shown under."""

    path: str
    text: str
    lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.text.split("\n")))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline ('' past the end)."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].rstrip("\r")
        return ""

    def end_span(self) -> Span:
        """A zero-width span at the last character of the file (for 'unexpected end')."""
        stripped = self.text.rstrip()
        line = stripped.count("\n") + 1
        col = len(stripped) - (stripped.rfind("\n") + 1) + 1
        return Span(self.path, line, col, line, col + 1)


class SourceDecodeError(ValueError):
    """Bytes that are not UTF-8; ``line``/``column`` locate the first bad byte."""

    def __init__(self, line: int, column: int, byte: int) -> None:
        super().__init__(f"byte 0x{byte:02x} at {line}:{column} is not UTF-8")
        self.line = line
        self.column = column
        self.byte = byte


def decode_source(data: bytes) -> str:
    """Decode a spec's bytes as UTF-8 (a leading BOM is dropped).

    >>> decode_source(b"\\xef\\xbb\\xbfnetwork")
    'network'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        good = data[: err.start].decode("utf-8")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        raise SourceDecodeError(line, column, data[err.start]) from None
