"""Hostile files and imports: reading is bounded (devices, FIFOs, folders refused unread; never
more than the limit), and a spec's ``use`` reads only inside its roots (docs/language.md)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from jumpdsl.api import MAX_FILE_BYTES, check_file, check_text
from jumpdsl.cli import main
from jumpdsl.fileio import TooLargeError, read_bounded, read_stream_bounded

NET = "network T {\n    input [3, 8, 8]\n    learner { B() }\n}\n"
LIB = "block B() { relu }\n"


def _codes(result) -> list[tuple[str, int | None]]:
    """Each diagnostic's code and line, less the unknown B() that follows a refused use."""
    found = [(d.code, d.span.line if d.span else None) for d in result.diagnostics]
    return [f for f in found if f != ("JD201", 4)]


# ---------------------------------------------------------------- bounded reading


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_check_refuses_a_device_unread(device: str, capsys) -> None:
    assert main(["check", device]) == 2
    err = capsys.readouterr().err
    assert f"error[JD120]: cannot read {device}: it is a character device" in err


def test_check_refuses_a_fifo_with_no_writer_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.jnet"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "jumpdsl", "check", str(fifo)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,  # it used to wait forever
    )
    assert done.returncode == 2
    assert "it is a FIFO (named pipe), not a regular file" in done.stderr


def test_a_folder_is_refused_as_not_a_file(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert "error[JD120]" in capsys.readouterr().err


def test_use_of_a_device_inside_the_roots_is_refused_at_the_use(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.symlink("/dev/zero", tmp_path / "zero.jnet")  # inside the roots by name, a device
    os.mkfifo(tmp_path / "pipe.jnet")
    spec = 'use "zero.jnet"\nuse "pipe.jnet"\n' + NET.replace("B()", "relu")
    result = check_text(spec, str(tmp_path / "t.jnet"))
    assert _codes(result) == [("JD121", 1), ("JD120", 2)]  # /dev/zero: outside; the FIFO: unread


def test_never_more_than_the_limit_is_read_from_a_stream() -> None:
    class Endless(io.RawIOBase):
        asked = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[override]
            self.asked += len(buffer)
            buffer[:] = b"#" * len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(TooLargeError):
        read_stream_bounded(io.BufferedReader(stream), 1000)
    assert stream.asked < 1000 + 2 * io.DEFAULT_BUFFER_SIZE


def test_a_large_file_is_refused_from_its_size_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.jnet"
    with big.open("wb") as handle:
        handle.truncate(50 * MAX_FILE_BYTES)  # sparse: 50 MiB that would take time to read
    with pytest.raises(TooLargeError) as caught:
        read_bounded(big)
    assert caught.value.size == 50 * MAX_FILE_BYTES
    assert [d.code for d in check_file(big).diagnostics] == ["JD107"]


def test_fmt_stdin_is_bounded() -> None:
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "jumpdsl", "fmt", "-"],
            stdin=zero,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr == (
        "jumpdsl: <stdin>: the input is over the limit of 1048576 bytes; a spec is at most that\n"
    )


# ---------------------------------------------------------------- use stays inside its roots


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """work/ (the working folder) holds the spec; outside/ is a folder beside it."""
    (tmp_path / "work" / "lib").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "lib.jnet").write_text(LIB)
    (tmp_path / "outside" / "secret.txt").write_text("password = hunter2\n")
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


def _check(tree: Path, use: str, **options) -> list[tuple[str, int | None]]:
    spec = tree / "work" / "net.jnet"
    spec.write_text(f'use "{use}"\n' + NET)
    return _codes(check_file(spec, **options))


def test_use_beside_the_spec_and_below_it_works(tree: Path) -> None:
    (tree / "work" / "lib" / "b.jnet").write_text(LIB)
    assert _check(tree, "lib/b.jnet") == []


@pytest.mark.parametrize(
    "use",
    ["../outside/lib.jnet", "lib/../../outside/lib.jnet", "std/../../../outside/lib.jnet"],
)
def test_use_escaping_the_roots_is_refused(tree: Path, use: str) -> None:
    assert _check(tree, use) == [("JD121", 1)]


def test_an_absolute_use_is_refused_even_inside_the_roots(tree: Path) -> None:
    (tree / "work" / "lib" / "b.jnet").write_text(LIB)
    assert _check(tree, str(tree / "work" / "lib" / "b.jnet")) == [("JD121", 1)]


def test_a_symlink_pointing_outside_is_refused(tree: Path) -> None:
    os.symlink(tree / "outside" / "lib.jnet", tree / "work" / "link.jnet")
    assert _check(tree, "link.jnet") == [("JD121", 1)]


def test_a_symlink_inside_the_roots_is_followed(tree: Path) -> None:
    (tree / "work" / "lib" / "b.jnet").write_text(LIB)
    os.symlink("lib/b.jnet", tree / "work" / "link.jnet")
    assert _check(tree, "link.jnet") == []


def test_a_symlink_named_jnet_to_another_kind_of_file_is_refused(tree: Path) -> None:
    (tree / "work" / "notes.txt").write_text("block B() { relu }\n")
    os.symlink("notes.txt", tree / "work" / "notes.jnet")
    assert _check(tree, "notes.jnet") == [("JD122", 1)]


def test_the_use_path_option_opens_a_folder(tree: Path, capsys) -> None:
    assert _check(tree, "lib.jnet", use_path=[tree / "outside"]) == []  # searched, like -I
    assert _check(tree, "../outside/lib.jnet", use_path=[tree / "outside"]) == []
    spec = str(tree / "work" / "net.jnet")
    assert main(["check", "--use-path", str(tree / "outside"), spec]) == 0
    assert main(["check", spec]) == 1
    assert "--use-path DIR" in capsys.readouterr().err


def test_check_text_takes_a_use_path(tree: Path) -> None:
    text = 'use "lib.jnet"\n' + NET
    assert _codes(check_text(text, "net.jnet")) == [("JD210", 1)]
    assert _codes(check_text(text, "net.jnet", use_path=[tree / "outside"])) == []


def test_a_spec_outside_the_working_folder_may_use_its_own_tree(tree: Path) -> None:
    spec = tree / "outside" / "net.jnet"
    spec.write_text('use "lib.jnet"\n' + NET)
    assert _codes(check_file(spec)) == []


@pytest.mark.parametrize("use", ["../outside/secret.txt", "/etc/passwd", "../outside/lib.jnet"])
def test_nothing_outside_the_roots_is_echoed(tree: Path, use: str, capsys) -> None:
    spec = tree / "work" / "net.jnet"
    spec.write_text(f'use "{use}"\n' + NET)
    assert main(["check", str(spec)]) == 1
    err = capsys.readouterr().err
    assert "hunter2" not in err and "root:" not in err and "block B" not in err
    assert "error[JD121]" in err
