"""The open documents and the check of each: the editor's view of the pipeline.

A document is checked with :func:`jumpdsl.api.check_text` as it is in the editor, the files it
``use``\\ s read from the editor too where they are open (an overlay), and the shape pass run
even when lowering reported errors, so that hovers have shapes. While a document is broken
(no graph with shapes), the last analysis that had one is kept for hovers.

>>> from pathlib import Path
>>> ws = Workspace()
>>> doc = Path("net.jnet").resolve()
>>> ws.update(doc, "network T { input [3, 8, 8] task { gap dense(2) } }", 1)
[PosixPath('...net.jnet')]
>>> ws.analysis(doc).index.shaped
True
>>> ws.update(doc, "network T { input [3, 8, 8] task { gap dense(2) ", 2) and None
>>> now = ws.analysis(doc)
>>> now.index.shaped, now.shapes() is now, now.shapes().version
(False, False, 1)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from jumpdsl.api import Checked, check_text
from jumpdsl.lower.builder import Limits
from jumpdsl.lsp.index import Index
from jumpdsl.lsp.names import Definition, Names
from jumpdsl.source import SourceFile
from jumpdsl.syntax import ast

__all__ = ["Analysis", "Workspace", "shown_path"]


def shown_path(file: Path) -> str:
    """How diagnostics name an open file: relative to the working folder when inside it."""
    try:
        return os.path.relpath(file) if file.is_relative_to(Path.cwd()) else str(file)
    except ValueError:  # another drive
        return str(file)


@dataclass
class Analysis:
    """One document's latest check and what the features read from it."""

    file: Path
    text: str
    version: int | None
    checked: Checked
    files: dict[str, Path]  # shown path → file, for every file the check read
    index: Index
    names: dict[Path, Names] = field(repr=False)  # each file that parsed
    good: Analysis | None = field(default=None, repr=False)  # the last with shapes, while broken

    def shapes(self) -> Analysis | None:
        """The analysis to show shapes from: this one, or the last good one."""
        return self if self.index.shaped else self.good

    def file_of(self, shown: str) -> Path:
        return self.files.get(shown, Path(shown))

    def source(self, file: Path) -> SourceFile | None:
        """The text of a file as this check read it."""
        for shown, path in self.files.items():
            if path == file:
                return self.checked.sources.get(shown)
        return None

    def templates(self) -> dict[str, Definition]:
        """Every template the spec can call, from every file it read (first definition kept)."""
        found: dict[str, Definition] = {}
        for names in self.names.values():
            for name, definition in names.templates.items():
                found.setdefault(name, definition)
        return found

    def parameters(self) -> dict[str, dict[str, Definition]]:
        found: dict[str, dict[str, Definition]] = {}
        for names in self.names.values():
            for name, params in names.parameters.items():
                found.setdefault(name, params)
        return found

    def uses(self, file: Path) -> bool:
        return file in self.files.values()


@dataclass
class Workspace:
    """The open documents (by file) and their analyses, made when first asked for."""

    limits: Limits | None = None
    texts: dict[Path, tuple[str, int | None]] = field(default_factory=dict)
    analyses: dict[Path, Analysis] = field(default_factory=dict)
    _last: dict[Path, Analysis] = field(default_factory=dict)
    _names: dict[tuple[Path, str, str], Names] = field(default_factory=dict)

    def update(self, file: Path, text: str, version: int | None) -> list[Path]:
        """A document opened or changed: the open documents to check again (it, and those
        that use it)."""
        self.texts[file] = (text, version)
        return self._invalidate(file)

    def close(self, file: Path) -> list[Path]:
        """A document closed: the open documents that used it (they read the disk now)."""
        self.texts.pop(file, None)
        self.analyses.pop(file, None)
        self._last.pop(file, None)
        return [f for f in self._invalidate(file) if f != file]

    def _invalidate(self, file: Path) -> list[Path]:
        stale = [file] if file in self.texts else []
        for other, analysis in list(self.analyses.items()):
            if other == file or analysis.uses(file):
                del self.analyses[other]
                if other not in stale:
                    stale.append(other)
        return stale

    def overlay(self) -> dict[Path, str]:
        return {file: text for file, (text, _) in self.texts.items()}

    def analysis(self, file: Path) -> Analysis:
        """The document's analysis for its current text (checked now if it changed)."""
        analysis = self.analyses.get(file)
        if analysis is None:
            analysis = self.analyses[file] = self._check(file)
        return analysis

    def open_analyses(self) -> list[Analysis]:
        return [self.analysis(file) for file in self.texts]

    def users(self, file: Path) -> list[Analysis]:
        """The analyses of open documents that read ``file`` (it included, when open), the
        document's own first."""
        found = [self.analysis(file)] if file in self.texts else []
        return found + [a for a in self.open_analyses() if a.file != file and a.uses(file)]

    def _check(self, file: Path) -> Analysis:
        text, version = self.texts.get(file, ("", None))
        shown = shown_path(file)
        checked = check_text(
            text, shown, limits=self.limits, overlay=self.overlay(), shapes_despite_errors=True
        )
        files = {shown: file, **checked.files}
        names = {
            files[path]: self._names_of(files[path], module, checked.sources[path])
            for path, module in checked.modules.items()
        }
        index = Index.of(checked, files)
        analysis = Analysis(file, text, version, checked, files, index, names)
        last = self._last.get(file)
        if not index.shaped and last is not None:
            analysis.good = last.shapes()
        self._last[file] = analysis
        return analysis

    def _names_of(self, file: Path, module: ast.Module, source: SourceFile) -> Names:
        # Files that did not change (the standard library) are not read again; spans name
        # the file as this check shows it, so that is part of the key.
        key = (file, source.path, source.text)
        names = self._names.get(key)
        if names is None:
            if len(self._names) > 64:
                self._names.clear()
            names = self._names[key] = Names.of(module, source)
        return names
