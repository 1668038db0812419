"""The golden corpus of bad specs (tests/diagnostics/): each file's rendered diagnostics must
equal its .out file, and each diagnostic must be announced by a marker on its line.

Markers, mypy-style: ``# error: JD301`` or ``# warning: JD502`` on the offending line;
``# expect-elsewhere: error JD207`` in the header for a diagnostic located in another file or on
the command line; ``# args: --set NAME=VALUE`` passes parameters; ``# plugins: MODULE …`` loads
plugins (from tests/plugins). Files that cannot hold a
comment (empty, not UTF-8) list theirs in NAME.markers as ``LINE SEVERITY CODE``.

Regenerate the .out files after an intended change, then review every diff before committing:

    JUMPDSL_UPDATE_GOLDEN=1 python -m pytest tests/test_diagnostics_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, plugins_named
from jumpdsl.api import check_file, parse_override
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.errorcodes import CODES
from jumpdsl.report import render_text

CORPUS = ROOT / "tests" / "diagnostics"
CASES = sorted(CORPUS.glob("*.jnet"))
UPDATE = os.environ.get("JUMPDSL_UPDATE_GOLDEN") == "1"
MARKER = re.compile(r"#\s*(error|warning):\s*(JD\d{3}(?:\s*,\s*JD\d{3})*)")
ELSEWHERE = re.compile(r"#\s*expect-elsewhere:\s*(error|warning)\s+(JD\d{3})")
ARGS = re.compile(r"#\s*args:\s*(.*)")

Marker = tuple[int | None, str, str]


def _markers(path: Path) -> set[Marker]:
    sidecar = path.with_suffix(".markers")
    if sidecar.exists():
        rows = (line.split() for line in sidecar.read_text().splitlines() if line.strip())
        return {(int(line), severity, code) for line, severity, code in rows}
    found: set[Marker] = set()
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        for severity, codes in MARKER.findall(line):
            found |= {(number, severity, c.strip()) for c in codes.split(",")}
        found |= {(None, severity, code) for severity, code in ELSEWHERE.findall(line)}
    return found


def _params(path: Path) -> dict[str, object]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    params: dict[str, object] = {}
    for args in ARGS.findall(text):
        for pair in re.findall(r"--set\s+(\S+)", args):
            name, _, value = pair.partition("=")
            params[name] = parse_override(name, value, DiagnosticSink())
    return params


def _plugins(path: Path) -> list[str]:
    return plugins_named(path.read_bytes().decode("utf-8", errors="replace"))


def _run(path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(CORPUS)  # paths in the output stay short and machine-independent
    return check_file(path.name, _params(path), plugins=_plugins(path), autoload=False)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_output(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(path, monkeypatch)
    rendered = render_text(result.diagnostics, result.sources) + "\n"
    golden = path.with_suffix(".out")
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"no {golden.name}: run with JUMPDSL_UPDATE_GOLDEN=1 and review it"
    assert rendered == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_markers_match_diagnostics(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(path, monkeypatch)
    found = {
        (d.span.line if d.span and d.span.path == path.name else None, d.severity.value, d.code)
        for d in result.diagnostics
    }
    assert found == _markers(path)
    assert found, "every case in the corpus must produce a diagnostic"


def test_corpus_is_large_and_covers_every_code() -> None:
    assert len(CASES) >= 60
    seen = {code for path in CASES for _, _, code in _markers(path)}
    # tested in test_robustness (JD403, JD503: the resource estimate, through the CLI) and elsewhere
    unexercised = set(CODES) - seen - {"JD107", "JD108", "JD120", "JD206", "JD403", "JD503"}
    assert not unexercised, f"add corpus cases for {sorted(unexercised)}"


def test_no_stray_outputs() -> None:
    outs = {p.stem for p in CORPUS.glob("*.out")}
    assert outs <= {p.stem for p in CASES}
