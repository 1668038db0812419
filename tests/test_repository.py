"""The clone as a newcomer meets it: the tutorial's specs are in the layout `jumpdsl fmt`
writes, what the documented commands write is git-ignored, and the suite keeps its temporary
files out of /tmp itself."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT
from jumpdsl.cli import main
from jumpdsl.formatting import format_source
from jumpdsl.source import SourceFile

FENCE = re.compile(r"^```jnet\n(.*?)^```", re.S | re.M)
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCKS = FENCE.findall(TUTORIAL.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", BLOCKS, ids=[f"tutorial#{i + 1}" for i in range(len(BLOCKS))])
def test_the_tutorials_specs_are_in_fmts_layout(text: str) -> None:
    formatted = format_source(SourceFile("tutorial.jnet", text))
    assert formatted.text == text  # a reader who copies a block and runs fmt sees no change


def test_the_tutorial_has_specs_to_check() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(
    "path",
    [
        "runs/digits/best.pt",
        "figures/jumpnet.pdf",
        "out/jumpnet.svg",
        "data/cifar-10-batches-py/data_batch_1",
        "jumpnet.py",
        "jumpnet.svg",
        "digits.pt2",
        "digits.pt",
        "r50.onnx",
        "fig.tex",
    ],
)
def test_what_the_documented_commands_write_is_ignored(path: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git clone")
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, capture_output=True
    )
    assert done.returncode == 0, f"{path} is not git-ignored"


def test_the_sources_are_not_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git clone")
    for path in ("conftest.py", "docs/images/jumpnet-3d.svg", "specs/digits.jnet"):
        done = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT)
        assert done.returncode == 1, f"{path} is git-ignored"


def test_a_crash_report_goes_to_the_suites_own_folder(monkeypatch, capsys) -> None:
    import jumpdsl.cli.common as common

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(common, "check_file", boom)
    assert main(["check", str(ROOT / "specs/digits.jnet")]) == 101
    report = re.search(r"Details are in (\S+);", capsys.readouterr().err)
    assert report is not None
    where = Path(report.group(1)).parent
    assert where == Path(tempfile.gettempdir()) and where.name.startswith("tmpdir")
