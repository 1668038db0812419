"""Go to definition and find references: templates, parameters, variables and tensor names,
across the files a spec ``use``\\ s and into the standard library.

A reference is matched to its definition by where that definition is (file and span), so a
template called in one open spec and defined in ``std/jumpnet.jnet`` finds its calls in every
open spec that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jumpdsl.lsp.analysis import Analysis, Workspace
from jumpdsl.lsp.locate import found_at
from jumpdsl.lsp.names import Reference
from jumpdsl.source import Span

__all__ = ["Location", "definition", "references"]


@dataclass(frozen=True)
class Location:
    """A span in a file on disk."""

    file: Path
    span: Span


def definition(ws: Workspace, file: Path, line: int, column: int) -> list[Location]:
    """Where the name at the position is defined (a ``use`` path: the file it names)."""
    found = found_at(ws, file, line, column)
    if found is None:
        return []
    item = found.item
    if isinstance(item, Reference) and item.kind == "use":
        target = _used_file(found.analysis, item.name)
        return [Location(target, Span(str(target), 1, 1, 1, 1))] if target else []
    if found.definition is None or found.file is None:
        return []
    return [Location(found.file, found.definition.span)]


def _used_file(analysis: Analysis, path: str) -> Path | None:
    for shown, file in analysis.files.items():
        if shown == path or shown.endswith("/" + path) or file.name == path:
            return file
    return None


def references(
    ws: Workspace, file: Path, line: int, column: int, include_declaration: bool = True
) -> list[Location]:
    """Every use of the name at the position, in the open specs and the files they read."""
    found = found_at(ws, file, line, column)
    if found is None or found.definition is None or found.file is None:
        return []
    target = (found.file, _key(found.definition.span))
    seen: set[tuple[Path, tuple[int, int, int, int]]] = set()
    out: list[Location] = []
    for analysis in [found.analysis, *ws.open_analyses()]:
        templates, parameters = analysis.templates(), analysis.parameters()
        for where, names in analysis.names.items():
            for ref in names.references:
                meant = names.resolve(ref, templates, parameters)
                if meant is None or (analysis.file_of(meant.span.path), _key(meant.span)) != target:
                    continue
                spot = (where, _key(ref.span))
                if spot not in seen:
                    seen.add(spot)
                    out.append(Location(where, ref.span))
    if include_declaration:
        out.insert(0, Location(found.file, found.definition.span))
    return sorted(out, key=lambda loc: (str(loc.file), loc.span.line, loc.span.column))


def _key(span: Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)
