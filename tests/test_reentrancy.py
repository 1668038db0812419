"""The front end holds no state between calls: parses and checks in threads do not mix."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from jumpdsl.api import check_text
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.passes.shapes import Shapes
from jumpdsl.source import SourceFile
from jumpdsl.syntax import ast
from jumpdsl.syntax.parser import parse

THREADS, PARSES, COMMENTS = 4, 40, 200


def _commented(tag: int) -> str:
    lines = ["network T {", "    input [3, 8, 8]", "    stem {"]
    lines += [f"        relu  # {tag}:{i}" for i in range(COMMENTS)]
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


def _comments_of(tag: int) -> list[str]:
    found: list[ast.Comment] = []
    for _ in range(PARSES):
        found.clear()
        parse(SourceFile(f"{tag}.jnet", _commented(tag)), DiagnosticSink(), found)
        texts = [c.text for c in found]
        if texts != [f"# {tag}:{i}" for i in range(COMMENTS)]:
            return texts
    return [c.text for c in found]


def test_parses_in_threads_keep_their_own_comments() -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(_comments_of, range(THREADS)))
    for tag, texts in enumerate(results):
        assert texts == [f"# {tag}:{i}" for i in range(COMMENTS)], f"thread {tag} got others'"


def _checked(width: int) -> tuple[int, list[str]]:
    """A check whose figures depend on ``width``, and a bad spec whose message does."""
    text = f"network T {{ input [3, 8, 8] stem {{ conv({width}, 3x3) }} task {{ gap dense(2) }} }}"
    result = check_text(text)
    kernel = f"{width + 99}x1"
    bad = check_text(f"network T {{ input [3, 8, 8] stem {{ conv(5, {kernel}, padding=valid) }} }}")
    params = result.graph.get(Shapes, "stem.conv1").params if result.ok else -1
    return params, [d.message for d in bad.diagnostics]


def test_checks_in_threads_see_only_their_own_spec() -> None:
    widths = list(range(1, 41)) * 4
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(_checked, widths))
    for width, (params, messages) in zip(widths, results, strict=True):
        assert params == 3 * 9 * width + width
        assert messages == [f"conv window {width + 99}×1 is larger than its 8×8 input"]
