"""The command line: verbs, exit codes, JSON, and the check/draw path without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SPECS, net
from jumpdsl.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jumpdsl", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_check_ok(capsys) -> None:
    assert main(["check", str(SPECS / "jumpnet.jnet")]) == 0
    assert "813,418 params" in capsys.readouterr().out


def test_check_several_files_and_json(capsys) -> None:
    files = [str(p) for p in sorted(SPECS.glob("jumpnet*.jnet"))]
    assert main(["check", "--format", "json", *files]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in reports] == [True] * len(files)


def test_check_bad_spec_exit_1_with_location(tmp_spec, capsys) -> None:
    path = tmp_spec(net("stem {\n conv(4, 3x3)\n dense(2)\n}"))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:6:2: error[JD305]: dense needs a vector" in err
    assert "^^^^^^^^" in err and "hint:" in err
    assert "Traceback" not in err


def test_check_json_diagnostics(tmp_spec, capsys) -> None:
    path = tmp_spec(net("stem { rleu }"))
    assert main(["check", "--format", "json", str(path)]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    (diag,) = report["diagnostics"]
    assert diag["code"] == "JD201" and diag["span"]["line"] == 4


def test_missing_file_is_exit_2(capsys) -> None:
    assert main(["check", "no/such/file.jnet"]) == 2
    assert "cannot read no/such/file.jnet" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path) -> None:
    assert run("check").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("check", "--set", "classes", "specs/jumpnet.jnet").returncode == 2
    assert run("draw", "specs/jumpnet.jnet", "-o", str(tmp_path / "x.gif")).returncode == 2


def test_set_overrides(capsys) -> None:
    spec = str(SPECS / "jumpnet.jnet")
    assert main(["check", spec, "--set", "classes=100"]) == 0
    assert "836,548 params" in capsys.readouterr().out
    assert main(["check", spec, "--set", "groups=[(32, 3), (64, 4)]"]) == 0
    assert main(["check", spec, "--set", "clases=3"]) == 1
    assert "did you mean 'classes'" in capsys.readouterr().err


def test_compile_json_summary() -> None:
    done = run("compile", "specs/jumpnet.jnet", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["params"] == 813_418 == summary["torch_params"]
    assert summary["input_shape"] == [3, 32, 32] and summary["output_shape"] == [10]
    assert summary["forward"]["output_shape"] == [2, 10]
    layer = summary["layers"][0]
    assert set(layer) >= {"name", "op", "output_shape", "params"}
    assert layer["name"] == "stem.conv1" and layer["params"] == 3 * 9 * 16 + 16


def test_compile_table_and_code(capsys) -> None:
    assert main(["compile", str(SPECS / "jumpnet.jnet"), "--set", "classes=100"]) == 0
    out = capsys.readouterr().out
    assert "836,548 trainable, 0 non-trainable" in out and "forward pass on cpu" in out
    assert main(["compile", str(SPECS / "jumpnet.jnet"), "--code"]) == 0
    assert "def forward(self, x)" in capsys.readouterr().out


def test_python_dash_m_is_the_same_cli() -> None:
    done = run("check", "specs/jumpnet.jnet")
    assert done.returncode == 0 and "813,418" in done.stdout


@pytest.mark.parametrize("verb", ["check", "draw"])
def test_check_and_draw_never_import_torch(verb, tmp_path) -> None:
    args = ["check", "specs/jumpnet.jnet"]
    if verb == "draw":
        args = ["draw", "specs/jumpnet.jnet", "-o", str(tmp_path / "j.svg")]
    code = (
        f"import sys; from jumpdsl.cli import main; rc = main({args!r}); "
        "assert 'torch' not in sys.modules, 'torch was imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_internal_errors_are_one_line_and_a_report(monkeypatch, capsys) -> None:
    import jumpdsl.cli.common as common

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(common, "check_file", boom)
    assert main(["check", str(SPECS / "jumpnet.jnet")]) == 101
    err = capsys.readouterr().err
    assert "internal error (RuntimeError); this is a bug" in err and "Traceback" not in err
