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


# ---------------------------------------------------------------- resources before allocation

_RESOURCE_CASES = {
    # 90 billion parameters (335 GiB of weights)
    "huge-conv": ("learner { conv(100000, 3x3) conv(100000, 3x3) }", "JD403"),
    "huge-dense": ("learner { gap dense(1000000) dense(1000000) }", "JD403"),
    "huge-input": ("learner { conv(4, 3x3) }", "JD403"),  # input [3, 200000, 200000]
    "huge-upsample": ("learner { upsample(100000) }", "JD403"),  # 14 TiB of activations
    "int64-shape": ("learner { upsample(1000000) upsample(1000000) }", "JD410"),
    "dilation": ("learner { conv(4, 3x3, dilation=1000000000000000000000) }", "JD111"),
    "dilation-float": ("learner { conv(4, 3x3, dilation=1e21) }", "JD203"),
    "dilation-int64": ("learner { conv(4, 3x3, dilation=4611686018427387904) }", "JD411"),
    "pool-stride": ("learner { maxpool(3x3, stride=9223372036854775807) }", "JD411"),
    "eps": ("learner { bn(eps=-1) }", "JD203"),
    "eps-inf": ("learner { bn(eps=1e999) }", "JD111"),
    "momentum": ("learner { bn(momentum=2) }", "JD203"),
}


def _resource_spec(tmp_path: Path, name: str) -> Path:
    body, _ = _RESOURCE_CASES[name]
    shape = "[3, 200000, 200000]" if name == "huge-input" else "[3, 8, 8]"
    spec = tmp_path / f"{name}.jnet"
    task = "dense(2)" if name == "huge-dense" else "gap dense(2)"
    spec.write_text(f"network T {{\n  input {shape}\n  {body}\n  task {{ {task} }}\n}}\n")
    return spec


@pytest.fixture
def no_build(monkeypatch):
    """Any torch module built fails the test: the refusal must come before allocation."""
    import jumpdsl.backends.torch_fx as fx

    def refuse(*args, **kwargs):
        raise AssertionError("a module was built")

    monkeypatch.setattr(fx, "build_module", refuse)
    monkeypatch.setattr(fx, "build", refuse)


@pytest.mark.parametrize("name", sorted(_RESOURCE_CASES))
@pytest.mark.parametrize("verb", ["compile", "export", "train"])
def test_too_big_networks_are_refused_before_anything_is_built(
    name, verb, tmp_path, capsys, no_build
) -> None:
    spec = _resource_spec(tmp_path, name)
    extra = {
        "compile": [],
        "export": ["-o", str(tmp_path / "m.py")],
        "train": ["--data", "synthetic", "--out", str(tmp_path / "run")],
    }[verb]
    assert main([verb, str(spec), *extra]) == 1
    err = capsys.readouterr().err
    code = _RESOURCE_CASES[name][1]
    assert f"error[{code}]" in err and "Traceback" not in err
    if code == "JD403":
        assert ("--max-params" in err) or ("--max-memory" in err)
    assert not (tmp_path / "m.py").exists() and not (tmp_path / "run").exists()


def test_check_warns_with_the_estimate_and_the_limits_can_be_raised(tmp_path, capsys) -> None:
    spec = _resource_spec(tmp_path, "huge-conv")
    assert main(["check", str(spec)]) == 0
    out = capsys.readouterr()
    assert "warning[JD503]" in out.err and "90,003,100,002 parameters" in out.err
    assert main(["check", str(spec), "--max-params", "1e12", "--max-memory", "1T"]) == 0
    assert "JD503" not in capsys.readouterr().err
    spec = _resource_spec(tmp_path, "huge-upsample")
    assert main(["check", str(spec), "--max-memory", "32T"]) == 0
    assert "JD503" not in capsys.readouterr().err
    assert main(["compile", str(spec), "--max-memory", "1G"]) == 1
    assert "over the limit of 1 GiB" in capsys.readouterr().err
    for bad in (["--max-memory", "lots"], ["--max-params", "0"]):
        with pytest.raises(SystemExit) as exit_:
            main(["compile", str(spec), *bad])
        assert exit_.value.code == 2


def test_training_counts_the_batch(tmp_path, capsys, no_build) -> None:
    """At batch 1 the forward pass fits 64 MiB; training at batch 256 keeps every output."""
    spec = tmp_path / "wide.jnet"
    spec.write_text("network T { input [3, 64, 64] learner { conv(64, 3x3) relu } task { gap } }")
    assert main(["check", str(spec), "--max-memory", "64M"]) == 0
    args = ["--data", "synthetic", "--batch-size", "256", "--max-memory", "64M"]
    assert main(["train", str(spec), *args, "--out", str(tmp_path / "run")]) == 1
    assert "at batch 256" in capsys.readouterr().err


def test_load_refuses_past_its_limits(tmp_path, no_build) -> None:
    import jumpdsl
    from jumpdsl.diagnostics import JumpdslError

    spec = _resource_spec(tmp_path, "huge-conv")
    with pytest.raises(JumpdslError, match=r"(?s)JD403.*max_params="):
        jumpdsl.load(spec)
    small = tmp_path / "small.jnet"
    small.write_text("network T { input [3, 8, 8] learner { conv(4, 3x3) } task { gap } }")
    with pytest.raises(JumpdslError, match="over the limit of 1 KiB"):
        jumpdsl.load(small, max_memory="1K")


@pytest.mark.parametrize("name", ["huge-conv", "huge-upsample", "huge-input"])
def test_refusal_fits_a_small_memory_limit(name, tmp_path) -> None:
    """The real command under a 2 GiB address-space limit: it says JD403 and exits 1, quickly,
    where building the network would need hundreds of GiB."""
    spec = _resource_spec(tmp_path, name)
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
        "from jumpdsl.cli.main import main; sys.exit(main(['compile', sys.argv[1]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(spec)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "error[JD403]" in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------- hostile values (issue 16)

# Each expression, as a `let` in a network: what it is reported as. Every one crashed `check`
# with exit 101 (OverflowError, ValueError) or hung before values were bounded.
HOSTILE_VALUES = {
    "int(1e999)": "JD111",
    "round(1e999)": "JD111",
    "floor(1e999)": "JD111",
    "ceil(1e999 - 1e999)": "JD111",  # NaN: not a value either
    "int(1e300)": "JD211",
    "round(1e300)": "JD211",
    "floor(-1e300)": "JD211",
    "ceil(1e300)": "JD211",
    "1e300 * 1e300": "JD211",
    "-1e308 - 1e308": "JD211",
    "9223372036854775807 + 1": "JD211",
    "-9223372036854775807 - 2": "JD211",
    "abs(-9223372036854775807 - 1)": "JD211",
    "float(9223372036854775807) * 1e300": "JD211",
    "9223372036854775807 / 1e-300": "JD211",
    "3000000000 * 3000000000 * 3000000000": "JD211",
    "9223372036854775808": "JD111",
    "1" * 4301: "JD111",
    "1" * 5000 + ' + "x"': "JD111",  # its message would have failed to print it
    "float(" + "9" * 400 + ")": "JD111",
    "range(100000000000000000000)": "JD111",
    "range(-9223372036854775807, 9223372036854775807)": "JD209",
    "range(1e20)": "JD209",
    "range(0, 10, 0)": "JD209",
    "[1] * 100001": "JD209",
    "round(5, -9223372036854775807)": None,  # 0, at once: digits past ±400 round the same
    "-0.0": None,
    "4.9e-324 / 2": None,  # underflows to 0.0, which is finite
    # powers and math functions (issue 13): refused before they are computed
    "2 ** 1000000000000000000": "JD211",
    "2 ** 10 ** 18": "JD211",
    "(-3) ** 9223372036854775807": "JD211",
    "pow(2, 64)": "JD211",
    "2 ** 63": "JD211",
    "-2 ** 63": "JD211",  # -(2 ** 63): the power is past the bound first
    "1.0000001 ** 1e18": "JD211",
    "1e300 ** 2": "JD211",
    "10.0 ** 400": "JD211",
    "(-8.0) ** (1 / 3)": "JD220",
    "0 ** -1": "JD209",
    "0.0 ** -1.5": "JD209",
    "log(0)": "JD220",
    "log(-1)": "JD220",
    "log(8, 1)": "JD220",
    "log(8, 0)": "JD220",
    "log(9223372036854775807, 2)": None,
    "log2(-4)": "JD220",
    "sqrt(-1)": "JD220",
    "exp(1000)": "JD211",
    "exp(-1e300)": None,  # 0.0
    "int(true) + int(false)": None,
    "2 ** -9223372036854775807": None,  # 0.0, at once
    "1 ** 9223372036854775807": None,
    "(-1) ** 9223372036854775807": None,
}


@pytest.mark.parametrize("expr", list(HOSTILE_VALUES), ids=[e[:40] for e in HOSTILE_VALUES])
def test_hostile_numbers_are_diagnostics(expr: str) -> None:
    result = check_text(f"network T {{\n    input [3, 8, 8]\n    let a = {expr}\n}}\n")
    codes = [d.code for d in result.diagnostics]
    expected = HOSTILE_VALUES[expr]
    assert set(codes) == ({expected} if expected else set()), codes
    assert all(d.span is not None and d.span.line == 3 for d in result.diagnostics)


def test_hostile_numbers_never_exit_101(tmp_path: Path, capsys) -> None:
    for index, expr in enumerate(HOSTILE_VALUES):
        spec = tmp_path / f"h{index}.jnet"
        spec.write_text(f"network T {{\n    input [3, 8, 8]\n    let a = {expr}\n}}\n")
        expected = 1 if HOSTILE_VALUES[expr] else 0
        assert main(["check", str(spec)]) == expected, expr
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "call", ["upsample(1e999)", "bn(eps=1e999)", "dropout(1e999)", "upsample(-1e999)"]
)
def test_non_finite_arguments_are_refused_at_the_literal(call: str) -> None:
    result = check_text(f"network T {{ input [3, 8, 8] learner {{ {call} }} }}")
    assert [d.code for d in result.diagnostics] == ["JD111"]


@pytest.mark.parametrize(
    ("lines", "code", "line"),
    [
        # a list doubled with '+': 2**40 items, 4.2 GB before
        (["let a = [1]"] + ["let a = a + a"] * 40, "JD404", 20),
        # a list built of itself: 2 items, 2**60 when printed or compared (hung before)
        (
            ["let a = [1]"] + ["let a = [a, a]"] * 60 + ["let b = a == a", "let c = a + 1"],
            "JD404",
            19,
        ),
        # 22 squarings took over 60 s
        (["let a = 3"] + ["let a = a * a"] * 22, "JD211", 9),
        (["let a = 1"] + ["let a = [a]"] * 40, "JD405", 36),
        # each function calls the one before three times: 3**11 calls without the call limit
        (
            ["fn f0(x) = x + 1"]
            + [f"fn f{i}(x) = f{i - 1}(x) + f{i - 1}(x) + f{i - 1}(x)" for i in range(1, 12)]
            + ["let a = f11(1)"],
            "JD222",
            4,  # the 10,001st call, one of f0 in f1's body
        ),
        # calls nested one inside the next: the 13th (g28's, from g29) is past the depth limit
        (
            ["fn g0(x) = x"]
            + [f"fn g{i}(x) = g{i - 1}(x)" for i in range(1, 41)]
            + ["let a = g40(1)"],
            "JD222",
            32,
        ),
        # powers climbing: bounded at each step
        (["let a = 2"] + ["let a = a ** a"] * 10, "JD211", 6),  # 2, 4, 256, then 256 ** 256
    ],
    ids=["doubling", "shared", "squaring", "nesting", "calls", "call-depth", "powers"],
)
def test_bombs_stop_at_the_bound_at_once(lines: list[str], code: str, line: int) -> None:
    body = "\n".join(f"    {text}" for text in lines)
    result = check_text(f"network T {{\n    input [3, 8, 8]\n{body}\n}}\n")
    # One diagnostic where the bound is passed; the uses of the failed value say nothing more.
    assert [(d.code, d.span.line) for d in result.diagnostics if d.span] == [(code, line)]


def test_messages_quote_values_shortly() -> None:
    result = check_text(
        "network T {\n    input [3, 8, 8]\n    let a = range(90000)\n    let b = a[90000]\n}\n"
    )
    (diag,) = result.diagnostics
    assert diag.code == "JD209" and len(diag.message) < 300, diag.message


def test_max_errors_caps_what_is_shown(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "many.jnet"
    calls = "\n".join("        cnov(3)" for _ in range(5000))
    spec.write_text(f"network T {{\n    input [3, 8, 8]\n    learner {{\n{calls}\n    }}\n}}\n")
    assert main(["check", str(spec)]) == 1
    err = capsys.readouterr().err
    assert err.count("error[JD201]") == 50
    assert err.rstrip().endswith("… and 4,950 more errors (show them with --max-errors 0)")
    assert main(["check", str(spec), "--max-errors", "0"]) == 1
    assert capsys.readouterr().err.count("error[JD201]") == 5000
    assert main(["check", str(spec), "--format", "json", "--max-errors", "3"]) == 1
    import json

    (entry,) = json.loads(capsys.readouterr().out)
    assert len(entry["diagnostics"]) == 3 and entry["omitted"]["count"] == 4997


def test_max_errors_must_be_a_count(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(SPECS / "digits.jnet"), "--max-errors", "-1"])
    assert exit_.value.code == 2


def test_set_given_twice_is_a_usage_error(capsys) -> None:
    spec = str(SPECS / "digits.jnet")
    assert main(["check", spec, "--set", "width=16", "--set", "width=32"]) == 2
    assert "given twice" in capsys.readouterr().err


def test_a_long_line_is_shown_as_a_window_around_the_caret() -> None:
    from jumpdsl.report import render_text

    relus = " ".join(["relu"] * 800)
    text = f"network T {{\n    input [3, 8, 8]\n    learner {{ {relus} rleu {relus} }}\n}}\n"
    result = check_text(text)
    assert len(result.diagnostics) == 1
    source_line, caret = render_text(result.diagnostics, result.sources).split("\n")[1:3]
    assert len(source_line) < 200 and source_line.count("…") == 2
    # the caret is under the misspelt name, inside the window
    start = caret.index("^")
    assert source_line[start : start + 4] == "rleu" and caret.count("^") == 4


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (10**30, "JD211"),
        (float("inf"), "JD211"),
        (float("nan"), "JD211"),
        ([[1] * 400] * 400, "JD404"),
    ],
    ids=["huge-int", "inf", "nan", "large-list"],
)
def test_parameters_from_python_are_bounded_too(value: object, code: str) -> None:
    result = check_file(SPECS / "digits.jnet", {"width": value})
    assert [d.code for d in result.diagnostics] == [code]


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
