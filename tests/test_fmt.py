"""jumpdsl fmt: canonical, idempotent, comments kept, same program, safe with files."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import sys
import tempfile
from pathlib import Path

import pytest

import jumpdsl.formatting as formatting
from conftest import ALL_SPECS, ROOT, plugins_named
from jumpdsl.api import check_text
from jumpdsl.backends.summary import summarize
from jumpdsl.cli import main
from jumpdsl.formatting import FormatterBug, format_source
from jumpdsl.source import SourceFile

SPEC_FILES = ALL_SPECS + sorted((ROOT / "jumpdsl" / "stdlib").glob("*.jnet"))
MESSY = ROOT / "tests" / "fmt" / "messy.jnet"
FENCE = re.compile(r"^```jnet\n(.*?)^```", re.S | re.M)
DOC_EXAMPLES = [
    (f"{doc.name}#{i + 1}", m.group(1))
    for doc in sorted((ROOT / "docs").glob("*.md"))
    for i, m in enumerate(FENCE.finditer(doc.read_text(encoding="utf-8")))
]


def _fmt(text: str, path: str = "t.jnet") -> str:
    result = format_source(SourceFile(path, text))
    assert result.text is not None
    return result.text


def _same_program(before: str, after: str, path: Path | None = None) -> None:
    base = str(path) if path else "<string>"
    plugins = plugins_named(before)
    a = check_text(before, path=base, plugins=plugins)
    b = check_text(after, path=base, plugins=plugins)
    assert a.ok == b.ok
    if a.graph is not None:
        assert summarize(a.graph) == summarize(b.graph)


@pytest.mark.parametrize("path", [*SPEC_FILES, MESSY], ids=lambda p: p.name)
def test_round_trip_over_every_spec(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = _fmt(text, str(path))
    assert _fmt(once, str(path)) == once
    assert once.count("#") == text.count("#")
    if "network" in text:
        _same_program(text, once, path)


@pytest.mark.parametrize(("where", "text"), DOC_EXAMPLES, ids=[w for w, _ in DOC_EXAMPLES])
def test_round_trip_over_doc_examples(where: str, text: str) -> None:
    once = _fmt(text)
    assert _fmt(once) == once
    _same_program(text, once)


def test_specs_in_the_repository_are_formatted() -> None:
    folders = [ROOT / "specs", ROOT / "jumpdsl" / "zoo", ROOT / "jumpdsl" / "stdlib"]
    assert main(["fmt", "--check", *map(str, folders)]) == 0


def test_canonical_layout() -> None:
    text = "network  T{input [3,8,8]\n stem{conv( 4,3x3 ,stride = 2)relu}}"
    assert _fmt(text) == (
        "network T {\n    input [3, 8, 8]\n    stem { conv(4, 3x3, stride=2) relu }\n}\n"
    )


def test_comments_stay_where_they_were() -> None:
    out = _fmt(MESSY.read_text())
    lines = out.splitlines()
    assert lines[0] == "# header comment"
    assert 'use "std/jumpnet.jnet"  # trailing on use' in lines
    assert "    # about deep" in lines and "    deep = false,  # trailing param" in lines
    assert lines[-1] == "# trailing file comment"


def test_parentheses_only_where_needed() -> None:
    out = _fmt("network T(a = (1 + 2) * 3, b = 1 + (2 * 3), c = -(1 - 2)) { input [1] }")
    assert "a = (1 + 2) * 3, b = 1 + 2 * 3, c = -(1 - 2)" in out


def test_powers_and_conditionals_keep_their_meaning() -> None:
    text = (
        "network T(a = (2 ** 3) ** 2, b = 2 ** (3 ** 2), c = (-2) ** 2, d = -(2 ** 2),"
        " e = 2 ** -1, f = (if true then 1 else 2) + 1, g = if true then 1 else 2) { input [1] }"
    )
    out = " ".join(_fmt(text).split())  # one parameter a line: compare the words
    assert "a = (2 ** 3) ** 2, b = 2 ** 3 ** 2, c = (-2) ** 2, d = -2 ** 2, e = 2 ** -1," in out
    assert "f = (if true then 1 else 2) + 1, g = if true then 1 else 2," in out
    _same_program(text, out)
    assert check_text(text).graph.params == check_text(out).graph.params


def test_functions_and_namespaced_uses() -> None:
    text = (
        'use "std/math.jnet"   as m\nfn   f(x,y=2)=x*y\n'
        "fn g(v) {\n  let a = v + 1  # one more\n  return m.make_divisible(a)\n}\n"
        "network T(c = g(f(3))) {\n  input [1]\n  fn h(x) = x\n  task { dense(h(c)) }\n}\n"
    )
    out = _fmt(text)
    assert out.startswith('use "std/math.jnet" as m\n\nfn f(x, y = 2) = x * y\n')
    assert "fn g(v) {\n    let a = v + 1  # one more\n    return m.make_divisible(a)\n}" in out
    assert "    fn h(x) = x\n" in out and _fmt(out) == out
    assert check_text(text).graph.params == check_text(out).graph.params == {"c": 8}


def test_check_changes_nothing_and_exits_1(tmp_path: Path) -> None:
    spec = tmp_path / "messy.jnet"
    spec.write_text(MESSY.read_text())
    before = spec.read_bytes()
    assert main(["fmt", "--check", str(spec)]) == 1
    assert spec.read_bytes() == before
    assert main(["fmt", str(spec)]) == 0
    assert spec.read_bytes() != before
    assert main(["fmt", "--check", str(spec)]) == 0


def test_syntax_error_leaves_the_file_alone(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "bad.jnet"
    spec.write_text("network T { input [3, 8, 8]\n stem { conv(4, 3x3 }\n}\n")
    before = spec.read_bytes()
    assert main(["fmt", str(spec)]) == 1
    assert spec.read_bytes() == before
    assert "bad.jnet:2:20: error[JD109]" in capsys.readouterr().err


def test_stdin_to_stdout(monkeypatch, capsys) -> None:
    raw = io.BytesIO(b"network T{input [1]}")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == "network T {\n    input [1]\n}\n"


def test_a_formatter_bug_never_reaches_the_file(tmp_path: Path, monkeypatch) -> None:
    spec = tmp_path / "t.jnet"
    spec.write_text("network T { input [3, 8, 8]  # keep me\n}\n")
    before = spec.read_bytes()
    monkeypatch.setattr(formatting, "format_module", lambda module, comments: "network T {}\n")
    with pytest.raises(FormatterBug):
        format_source(SourceFile(str(spec), spec.read_text()))
    assert main(["fmt", str(spec)]) == 101
    assert spec.read_bytes() == before


@pytest.mark.parametrize(
    "text",
    [
        "network N(a = true, b = false) { input [3, 8, 8] task {\n if a { relu } else if b {\n"
        " bn } else { relu relu\n }\n conv(4, 1x1) }}",
        "network N(a = true) { input [3, 8, 8] task { if a {\n relu }\n else\n {\n bn } } }",
        "network N(a = false) { input [3, 8, 8] task {\n if a {\n relu\n } conv(2, 1x1)\n } }",
    ],
)
def test_if_else_chains_format_stably(text: str) -> None:
    once = _fmt(text)
    assert _fmt(once) == once
    _same_program(text, once)


def test_long_or_multiline_lists_get_one_item_per_line() -> None:
    items = ", ".join(f"({i}, {i * 16}, 2, 1)" for i in range(8))
    out = _fmt(f"network T(settings = [{items}]) {{ input [1] }}")
    assert "    settings = [\n        (0, 0, 2, 1),\n" in out and "\n    ],\n) {" in out
    kept = _fmt("let widths = [\n    16,\n    32,  # wider\n]\n")
    assert kept == "let widths = [\n    16,\n    32,  # wider\n]\n"


def test_use_lines_stay_together() -> None:
    assert _fmt('use "a.jnet"\nuse "b.jnet"\n') == 'use "a.jnet"\nuse "b.jnet"\n'


# ---------------------------------------------------------------- fmt keeps a file's identity

MESSY_TEXT = "network T{input [1]}\n"
TIDY_TEXT = "network T {\n    input [1]\n}\n"


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    spec = tmp_path / "t.jnet"
    spec.write_text(MESSY_TEXT)
    return spec


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_fmt_through_a_symlink_formats_the_target_and_keeps_the_link(messy: Path) -> None:
    link = messy.parent / "link.jnet"
    link.symlink_to(messy.name)
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == messy.name
    assert messy.read_text() == TIDY_TEXT


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_fmt_keeps_the_mode(messy: Path, mode: int) -> None:
    messy.chmod(mode)
    assert main(["fmt", str(messy)]) == 0
    assert messy.read_text() == TIDY_TEXT
    assert stat.S_IMODE(messy.stat().st_mode) == mode  # a 0600 file stays private


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_fmt_keeps_the_owner(messy: Path) -> None:
    os.chown(messy, 4321, 4321)
    assert main(["fmt", str(messy)]) == 0
    assert (messy.stat().st_uid, messy.stat().st_gid) == (4321, 4321)


def test_fmt_refuses_a_read_only_file_unless_forced(messy: Path, capsys) -> None:
    messy.chmod(0o444)
    assert main(["fmt", str(messy)]) == 2
    assert messy.read_text() == MESSY_TEXT
    assert f"jumpdsl: {messy} is read-only (use --force to rewrite it)" in capsys.readouterr().err
    assert main(["fmt", "--force", str(messy)]) == 0
    assert messy.read_text() == TIDY_TEXT
    assert stat.S_IMODE(messy.stat().st_mode) == 0o444


def test_fmt_keeps_hard_links(messy: Path) -> None:
    other = messy.parent / "other.jnet"
    os.link(messy, other)
    assert main(["fmt", str(messy)]) == 0
    assert other.read_text() == TIDY_TEXT  # written in place: every name sees the new text
    assert messy.samefile(other) and messy.stat().st_nlink == 2
    assert _leftovers(messy.parent) == []  # the backup copy is gone


def test_fmt_in_a_folder_it_cannot_write_exits_2(messy: Path, monkeypatch, capsys) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # what a read-only folder does
    assert main(["fmt", str(messy)]) == 2
    assert messy.read_text() == MESSY_TEXT
    err = capsys.readouterr().err
    assert f"jumpdsl: cannot write {messy}: Permission denied\n" in err


@pytest.mark.parametrize("linked", [False, True], ids=["atomic", "hard-linked"])
def test_fmt_on_a_full_disk_exits_2_and_keeps_the_file(
    messy: Path, monkeypatch, capsys, linked: bool
) -> None:
    if linked:
        os.link(messy, messy.parent / "other.jnet")
    real_write, real_fsync = os.write, os.fsync
    calls = {"write": 0}

    def full_write(fd: int, data) -> int:  # the first in-place write finds the disk full
        calls["write"] += 1
        if calls["write"] == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    def full_fsync(fd: int) -> None:  # the temporary file's data does not fit
        if not linked:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "write", full_write)
    monkeypatch.setattr(os, "fsync", full_fsync)
    assert main(["fmt", str(messy)]) == 2
    assert messy.read_text() == MESSY_TEXT
    assert f"cannot write {messy}: No space left on device" in capsys.readouterr().err
    assert _leftovers(messy.parent) == []
