"""The parser tables kept on disk: the same parser from the cache, and no cache is no problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from jumpdsl.syntax.lark_cache import cache_dir, cached_lark

GRAMMAR = """
start: item+
item: NAME "=" NUMBER
%import common.CNAME -> NAME
%import common.NUMBER
%import common.WS
%ignore WS
COMMENT: /#[^\\n]*/
%ignore COMMENT
"""


def test_a_cached_parser_parses_like_a_fresh_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JUMPDSL_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[str] = []
    options = {"propagate_positions": True, "lexer_callbacks": {"COMMENT": seen.append}}
    fresh = cached_lark(GRAMMAR, **options)
    (written,) = (tmp_path / "cache").iterdir()
    loaded = cached_lark(GRAMMAR, **options)
    text = "a = 1 # one\nb = 2"
    tree = loaded.parse(text)
    assert tree == fresh.parse(text)
    assert tree.children[1].meta.line == 2  # positions survive the cache
    assert seen == ["# one", "# one"]  # callbacks are handed over again, not pickled
    assert list((tmp_path / "cache").iterdir()) == [written]
    other = cached_lark(GRAMMAR + "\n// edited\n", propagate_positions=True)
    assert other.parse(text) == fresh.parse(text)
    assert len(list((tmp_path / "cache").iterdir())) == 2  # an edited grammar, a new file


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("JUMPDSL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "jumpdsl"


def _checks_with_cache_at(folder: Path) -> None:
    env = {**os.environ, "JUMPDSL_CACHE_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-m", "jumpdsl", "check", "specs/jumpnet.jnet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0 and "813,418" in done.stdout
    assert done.stderr == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_cache_folder_still_checks(tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    _checks_with_cache_at(locked / "jumpdsl")


def test_a_cache_path_that_is_a_file_still_checks(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    _checks_with_cache_at(blocker / "jumpdsl")
