"""What stands under the cursor: the reference or definition there, and what it means.

A file that does not parse now is read as it was at its last good analysis, so hovers and
jumps keep working while it is being typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jumpdsl.lsp.analysis import Analysis, Workspace
from jumpdsl.lsp.names import Definition, Names, Reference

__all__ = ["Found", "found_at", "names_of"]


@dataclass(frozen=True)
class Found:
    """``item`` under the cursor, read in ``analysis``; ``definition`` what it means (the item
    itself when it is a definition) and ``file`` the file that definition is in."""

    analysis: Analysis
    item: Reference | Definition
    definition: Definition | None
    file: Path | None


def names_of(ws: Workspace, file: Path) -> tuple[Analysis, Names] | None:
    """The names of an open file, now or as they were at its last good analysis."""
    analysis = ws.analysis(file)
    for candidate in (analysis, analysis.good):
        if candidate is not None and file in candidate.names:
            return candidate, candidate.names[file]
    return None


def found_at(ws: Workspace, file: Path, line: int, column: int) -> Found | None:
    read = names_of(ws, file)
    if read is None:
        return None
    analysis, names = read
    item = names.at(line, column)
    if item is None:
        return None
    if isinstance(item, Definition):
        return Found(analysis, item, item, analysis.file_of(item.span.path))
    definition = names.resolve(item, analysis.templates(), analysis.parameters())
    where = analysis.file_of(definition.span.path) if definition is not None else None
    return Found(analysis, item, definition, where)
