"""The parser tables shipped in the package (jumpdsl/syntax/jnet_tables.json): current with the
grammar, the same parser as one built from it, and no pickle read from anywhere."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Lark
from lark.exceptions import UnexpectedInput

from conftest import ROOT
from jumpdsl.syntax import parser as jnet_parser
from jumpdsl.syntax.lark_tables import TABLES_FILE, load_tables, shipped_lark, table_data
from jumpdsl.syntax.parser import LARK_OPTIONS, grammar_text

SHIPPED = ROOT / "jumpdsl" / "syntax" / TABLES_FILE
SPECS = sorted(
    p
    for folder in ("specs", "examples", "tests/diagnostics", "jumpdsl/stdlib")
    for p in (ROOT / folder).rglob("*.jnet")
)


def test_the_shipped_tables_are_current_with_the_grammar() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/gen_parser_tables.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr  # grammar edited? python scripts/gen_parser_tables.py


def test_tables_made_for_another_grammar_are_not_used() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert load_tables(text, grammar_text(), **LARK_OPTIONS) is not None
    assert load_tables(text, grammar_text() + "\n// edited\n", **LARK_OPTIONS) is None
    assert load_tables(text, grammar_text(), **{**LARK_OPTIONS, "start": ["start"]}) is None


def test_check_loads_the_shipped_tables_not_a_build() -> None:
    assert jnet_parser._lark().source_path == "<deserialized>"  # built: 0.2 s at every start


def test_the_tables_are_the_same_at_every_build() -> None:
    # Lark numbers states by sets hashed by identity; the shipped form is renumbered
    grammar = 'start: "a" b+ c?\nb: "b" | "c" c\nc: "d" "e"*'
    assert table_data(grammar) == table_data(grammar)


def _outcome(lark: Lark, text: str) -> object:
    try:
        tree = lark.parse(text, start="start")
    except UnexpectedInput as err:
        return (type(err).__name__, err.line, err.column, sorted(getattr(err, "expected", ())))
    return tree, [(t.line, t.column, t.end_line, t.end_column) for t in tree.scan_values(bool)]


def test_the_shipped_parser_parses_like_a_fresh_one() -> None:
    fresh = Lark(grammar_text(), parser="lalr", **LARK_OPTIONS)
    shipped = jnet_parser._lark()
    assert len(SPECS) > 100
    for path in SPECS:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert _outcome(shipped, text) == _outcome(fresh, text), path


def test_no_pickle_is_loaded(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a pickle was loaded")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    parser = shipped_lark(grammar_text(), **LARK_OPTIONS)
    assert parser.source_path == "<deserialized>"
    assert parser.parse("network T { input [3] }", start="start").data == "start"


def test_check_reads_and_writes_nothing_in_the_cache_folder(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path)}
    env.pop("JUMPDSL_CACHE_DIR", None)
    (tmp_path / "jumpdsl").mkdir()
    poisoned = tmp_path / "jumpdsl" / "parser-0.lark"  # the old cache's place, now ignored
    poisoned.write_bytes(b"cos\nsystem\n(S'touch pwned'\ntR.")
    done = subprocess.run(
        [sys.executable, "-m", "jumpdsl", "check", "specs/jumpnet.jnet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0 and "813,418" in done.stdout
    assert done.stderr == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["jumpdsl", "parser-0.lark"]


@pytest.mark.parametrize("file", ["absent.json", "jnet.lark", TABLES_FILE])
def test_missing_or_damaged_tables_build_the_parser(monkeypatch, file: str) -> None:
    import jumpdsl.syntax.lark_tables as tables

    monkeypatch.setattr(tables, "TABLES_FILE", file)  # jnet.lark: a file that is not JSON
    parser = shipped_lark(grammar_text(), **LARK_OPTIONS)
    assert parser.source_path == ("<deserialized>" if file == TABLES_FILE else "<string>")
    assert parser.parse("network T { input [3] }", start="start").data == "start"
