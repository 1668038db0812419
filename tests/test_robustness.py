"""The CLI never dies badly and never loses work: I/O errors, huge files, pipes, Ctrl-C."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import jumpdsl.cli.common as cli_common
from conftest import ROOT, SPECS
from jumpdsl.api import MAX_FILE_BYTES, check_file, check_text
from jumpdsl.cli import main


def test_file_too_large(tmp_path: Path) -> None:
    big = tmp_path / "big.jnet"
    big.write_text("#" * (MAX_FILE_BYTES + 1))
    (diag,) = check_file(big).diagnostics
    assert diag.code == "JD107"


def test_unreadable_file_is_an_io_error(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "missing.jnet")]) == 2
    assert "error[JD108]: cannot read" in capsys.readouterr().err
    assert main(["check", str(tmp_path)]) == 2  # a folder is not a spec
    assert "error[JD120]: cannot read" in capsys.readouterr().err


def test_file_with_only_a_library_is_not_a_network(tmp_path: Path, capsys) -> None:
    lib = tmp_path / "lib.jnet"
    lib.write_text("block B(f) { conv(f, 3x3) }\n")
    assert main(["compile", str(lib)]) == 1
    assert "no network in this file" in capsys.readouterr().err


def test_closed_pipe_ends_quietly() -> None:
    done = subprocess.run(
        f"{sys.executable} -m jumpdsl check specs/*.jnet | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_interrupt_exits_130_without_a_traceback(monkeypatch, capsys) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_common, "check_file", interrupted)
    assert main(["check", str(SPECS / "jumpnet.jnet")]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_debug_shows_the_traceback(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cli_common, "check_file", broken)
    with pytest.raises(RuntimeError, match="simulated bug"):
        main(["--debug", "check", str(SPECS / "jumpnet.jnet")])


def test_a_bom_is_skipped_and_columns_stay_right(tmp_path: Path) -> None:
    spec = tmp_path / "bom.jnet"
    text = "network T { input [3, 8, 8] stem { rleu } }"
    spec.write_bytes(("\ufeff" + text).encode())
    (diag,) = check_file(spec).diagnostics
    assert (diag.span.line, diag.span.column) == (1, text.index("rleu") + 1)


def test_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    for text in (
        "network T(a = " + "-" * 5000 + "1) { input [1] }",
        "network T(a = " + "[" * 3000 + "]" * 3000 + ") { input [1] }",
        "network T { input [3,8,8] stem { " + "repeat 1 { " * 400 + "relu" + " }" * 400 + " } }",
    ):
        (diag,) = check_text(text).diagnostics
        assert diag.code == "JD106"


def test_the_dsl_runs_no_code() -> None:
    result = check_text('network T(a = __import__("os")) { input [1] }')
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["JD201"]  # an unknown function, nothing more


@pytest.mark.parametrize("buffered", [True, False])
def test_a_full_disk_behind_stdout_is_one_line_exit_2(buffered: bool) -> None:
    env = {k: v for k, v in os.environ.items() if not (buffered and k == "PYTHONUNBUFFERED")}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "jumpdsl", "check", "specs/jumpnet.jnet"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**env, "PYTHONUNBUFFERED": "" if buffered else "1"},
        )
    assert done.returncode == 2
    assert done.stderr == "jumpdsl: I/O error: No space left on device\n"
