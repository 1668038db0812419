"""The package's structure holds: import rules, the message registry, the options shared by the
command line and the backends, and the IR's typed records."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT
from jumpdsl import errorcodes, messages
from jumpdsl.api import check_text
from jumpdsl.backends.draw_theme import THEMES
from jumpdsl.backends.graphviz_render import FORMATS as DRAW_BACKEND_FORMATS
from jumpdsl.backends.summary import summarize
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.ir.graph import PassNotRunError
from jumpdsl.lower.network import lower
from jumpdsl.messages import Message
from jumpdsl.ops.core import ShapeError
from jumpdsl.options import DRAW_FORMATS, EXPORT_SUFFIXES
from jumpdsl.options import THEMES as THEME_NAMES
from jumpdsl.passes.shapes import Shapes, infer_shapes
from jumpdsl.source import SourceFile
from jumpdsl.syntax.parser import parse

sys.path.insert(0, str(ROOT / "scripts"))
import check_imports

ALL_MESSAGES = {name: value for name, value in vars(messages).items() if isinstance(value, Message)}


def test_no_import_cycle() -> None:
    assert check_imports.cycles() == []


def test_no_private_name_from_another_module() -> None:
    assert check_imports.private_imports() == []


def test_check_and_draw_path_never_imports_torch() -> None:
    assert check_imports.torch_on_check_path() == []


def test_the_import_check_finds_a_cycle(tmp_path, monkeypatch) -> None:
    # The checker itself must be able to fail: a two-module cycle in a scratch package.
    package = tmp_path / "jumpdsl"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from jumpdsl import b\n")
    (package / "b.py").write_text("def f():\n    from jumpdsl.a import _x\n")
    monkeypatch.setattr(check_imports, "ROOT", tmp_path)
    monkeypatch.setattr(check_imports, "PACKAGE", package)
    assert [p.text for p in check_imports.cycles()] == [
        "import cycle: jumpdsl.a → jumpdsl.b → jumpdsl.a"
    ]
    assert [p.text for p in check_imports.private_imports()] == ["private name jumpdsl.a._x"]


def test_the_import_check_runs_as_a_command() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/check_imports.py"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("ok:")


@pytest.mark.parametrize("name", sorted(ALL_MESSAGES))
def test_every_message_says_something_itself(name: str) -> None:
    message = ALL_MESSAGES[name]
    words = re.sub(r"\{[^}]*\}", "", message.template)
    assert re.search(r"[a-z]{3}", words), f"{name}'s template is only placeholders"
    assert message.code in errorcodes.CODES.values()


def test_every_code_has_a_message() -> None:
    used = {m.code.code for m in ALL_MESSAGES.values()}
    assert used == set(errorcodes.CODES)


def test_codes_are_registered_once() -> None:
    with pytest.raises(ValueError, match="taken"):
        errorcodes.register("JD201", "another-name", "a duplicate")
    with pytest.raises(ValueError, match="taken"):
        errorcodes.register("JD999", "unknown-name", "a duplicate name")


def test_no_report_call_words_its_own_message() -> None:
    # Messages come from jumpdsl.messages: no string literal as the message of a report.
    calls = re.compile(r"\.(?:report|fail|abort)\(\s*[\"f']")
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "jumpdsl").rglob("*.py"))
        if calls.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_shape_rules_raise_message_objects() -> None:
    err = ShapeError(messages.BAD_RANK, op="dense", expected="a vector", shape="3×8×8")
    assert err.message.code is errorcodes.BAD_RANK
    sources = sorted((ROOT / "jumpdsl" / "ops").glob("*.py"))
    assert len(sources) > 5
    worded = [p.name for p in sources if re.search(r"ShapeError\(\s*\"", p.read_text("utf-8"))]
    assert worded == []


def test_options_match_the_backends() -> None:
    from jumpdsl.backends.export import FORMATS as EXPORTERS

    assert tuple(THEMES) == THEME_NAMES
    assert tuple(DRAW_BACKEND_FORMATS) == DRAW_FORMATS
    assert tuple(EXPORTERS) == EXPORT_SUFFIXES


def _lowered(text: str):
    sink = DiagnosticSink()
    return lower(parse(SourceFile("t.jnet", text), sink), sink), sink


def test_reading_shapes_before_the_pass_names_the_pass() -> None:
    graph, _ = _lowered("network T { input [3, 8, 8] stem { conv(4, 3x3) } }")
    with pytest.raises(PassNotRunError, match=r"the shape pass \(jumpdsl.passes.shapes"):
        summarize(graph)
    assert infer_shapes(graph, DiagnosticSink())
    assert summarize(graph)["params"] == 3 * 9 * 4 + 4


def test_records_are_frozen() -> None:
    graph = check_text("network T { input [3, 8, 8] stem { conv(4, 3x3) } }").raise_for_errors()
    with pytest.raises(AttributeError):
        graph["stem.conv1"].op = "relu"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        graph.get(Shapes, "stem.conv1").shape = (1,)  # type: ignore[misc]


def test_in_channels_and_the_pass_share_one_engine() -> None:
    # A template reading in_channels makes lowering compute shapes; the pass keeps those
    # records (same objects) and adds the rest.
    text = (
        "block B() { conv(in_channels * 2, 1x1) }\n"
        "network T { input [3, 8, 8] stem { conv(4, 3x3) B() } task { gap } }"
    )
    graph, sink = _lowered(text)
    early = graph.peek(Shapes, "stem.conv1")
    assert early is not None and early.shape == (4, 8, 8)
    assert graph.peek(Shapes, "task.gap1") is None
    infer_shapes(graph, sink)
    assert graph.get(Shapes, "stem.conv1") is early
    assert graph.get(Shapes, "stem.block1.conv1").shape == (8, 8, 8)
