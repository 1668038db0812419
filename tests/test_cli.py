"""The command line: verbs, exit codes, JSON, and the check/draw path without torch."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SPECS, net
from jumpdsl.cli import main
from jumpdsl.cli.main import VERBS, build_parser


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


@pytest.mark.parametrize("value", ["-1", "0", "x"])
def test_max_nodes_below_one_is_a_usage_error(value: str, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["check", "--max-nodes", value, str(SPECS / "jumpnet.jnet")])
    assert done.value.code == 2
    assert "error: argument --max-nodes:" in capsys.readouterr().err


def test_draw_into_a_folder_that_is_a_file_is_exit_2(tmp_path, capsys) -> None:
    blocker = tmp_path / "figures"
    blocker.write_text("")
    assert main(["draw", str(SPECS / "jumpnet.jnet"), "-d", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err == f"jumpdsl: -d {blocker}: a file is there, not a folder\n"


def test_an_os_error_anywhere_is_one_sentence_and_exit_2(monkeypatch, capsys) -> None:
    import errno

    import jumpdsl.cli.check as check_verb

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "out/report.json")

    monkeypatch.setattr(check_verb, "check_spec", full)
    assert main(["check", str(SPECS / "jumpnet.jnet")]) == 2
    assert capsys.readouterr().err == "jumpdsl: out/report.json: No space left on device\n"


# ---------------------------------------------------------------- a CLI to learn from


def _verb_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_bare_jumpdsl_lists_every_verb_with_its_line(capsys) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    for verb in VERBS:
        name = verb.__name__.rpartition(".")[2]
        line = next(line for line in err.splitlines() if line.split()[:1] == [name])
        assert len(line.split()) > 2, f"{name} has no one-line description: {line!r}"


@pytest.mark.parametrize("verb", sorted(_verb_parsers()))
def test_each_verb_has_a_description_and_examples(verb: str) -> None:
    parser = _verb_parsers()[verb]
    assert parser.description and len(parser.description) > 40
    examples = [line for line in parser.epilog.splitlines()[1:] if line.strip()]
    assert parser.epilog.startswith("examples:") and 1 <= len(examples) <= 3
    assert all(line.split()[0] in ("jumpdsl", "cat") for line in examples)
    assert "examples:" in parser.format_help()


@pytest.mark.parametrize("verb", sorted(_verb_parsers()))
def test_every_option_has_help_and_shows_its_default(verb: str) -> None:
    parser = _verb_parsers()[verb]
    text = " ".join(parser.format_help().split())  # argparse wraps lines
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        flag = "/".join(action.option_strings) or action.dest
        assert action.help, f"jumpdsl {verb} {flag} has no help text"
        default = action.default
        if action.option_strings and default not in (None, False, [], argparse.SUPPRESS):
            assert f"default: {default}" in text or f"default {default}" in text, (
                f"jumpdsl {verb} {flag}: its default {default!r} is not in the help"
            )


def test_top_level_options_have_help() -> None:
    for action in build_parser()._actions:
        if action.option_strings:  # the verbs' list has its own test
            assert action.help, action.option_strings


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_verb_shows_the_traceback(where, monkeypatch) -> None:
    import jumpdsl.cli.common as common

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(common, "check_file", boom)
    spec = str(SPECS / "jumpnet.jnet")
    args = ["--debug", "check", spec] if where == "before" else ["check", spec, "--debug"]
    with pytest.raises(RuntimeError, match="simulated bug"):
        main(args)


@pytest.mark.parametrize("where", ["before", "after"])
def test_no_plugins_before_or_after_the_verb(where, monkeypatch) -> None:
    seen = []
    import jumpdsl.cli.common as common

    real = common.check_file

    def spy(*args, **kwargs):
        seen.append(kwargs.get("autoload"))
        return real(*args, **kwargs)

    monkeypatch.setattr(common, "check_file", spy)
    spec = str(SPECS / "jumpnet.jnet")
    args = ["--no-plugins", "check", spec] if where == "before" else ["check", spec, "--no-plugins"]
    assert main(args) == 0
    assert seen == [False]
    assert main(["check", spec]) == 0 and seen[-1] is None  # not given: the default


def test_zoo_names_work_as_specs_for_every_spec_verb(tmp_path, capsys) -> None:
    assert main(["check", "resnet18"]) == 0
    assert "resnet18: ok: ResNet, 11,689,512 params" in capsys.readouterr().out
    assert main(["draw", "resnet18", "-o", str(tmp_path / "r.dot"), "--depth", "1"]) == 0
    assert (tmp_path / "r.dot").read_text().startswith("digraph")


def test_a_file_wins_over_a_zoo_name(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet18").write_text(net("task { gap dense(3) }"), encoding="utf-8")
    assert main(["check", "resnet18"]) == 0
    assert "ok: T, 12 params" in capsys.readouterr().out  # the file's network, not the zoo's


def test_zoo_verb_lists_every_model_with_the_checks_figures(capsys) -> None:
    from jumpdsl.zoo import names

    assert main(["zoo", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in listed] == names()
    resnet50 = next(m for m in listed if m["name"] == "resnet50")
    assert (resnet50["params"], resnet50["input_shape"]) == (25_557_032, [3, 224, 224])
    assert round(resnet50["macs"] / 1e9, 3) == 4.089  # docs/zoo.md's figure
    assert main(["zoo"]) == 0
    table = capsys.readouterr().out
    assert "resnet50" in table and "25,557,032" in table and "4.09 G" in table


def test_zoo_verb_needs_no_torch() -> None:
    code = (
        "import sys; from jumpdsl.cli import main; rc = main(['zoo']); "
        "assert 'torch' not in sys.modules, 'torch was imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_a_bare_name_that_is_no_model_suggests_the_zoo(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "resnet51"]) == 2
    err = capsys.readouterr().err
    assert "cannot read resnet51" in err and "did you mean 'resnet50'" in err
    assert main(["check", "missing.jnet"]) == 2
    assert "hint" not in capsys.readouterr().err  # a path is not a zoo name


@pytest.mark.parametrize("argv", [["--version"], ["check", "--version"], ["zoo", "--version"]])
def test_version_before_or_after_the_verb(argv, capsys) -> None:
    from jumpdsl import __version__

    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0 and capsys.readouterr().out == f"jumpdsl {__version__}\n"


@pytest.mark.parametrize(("option", "value"), [("--batch-size", "0"), ("--max-errors", "-1")])
def test_counts_below_their_least_are_usage_errors(option, value, capsys) -> None:
    argv = ["compile", str(SPECS / "jumpnet.jnet"), option, value]
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert (
        done.value.code == 2 and f"argument {option}: must be at least" in capsys.readouterr().err
    )
