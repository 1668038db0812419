"""The IR's invariants on every spec, and lint's messages."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import ALL_SPECS, SPECS
from jumpdsl.api import STDLIB, check_file
from jumpdsl.ir.graph import Edge, IRLintError, lint


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_every_spec_lints(spec) -> None:
    lint(check_file(spec).raise_for_errors())


def test_jumpnet_edge_kinds_and_spans() -> None:
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    kinds = Counter(edge.kind for _, _, edge in graph.edges())
    # 10 blocks: one identity skip edge each; 3 groups: input→bn→conv→concat on the jump path
    assert kinds["skip"] == 10 and kinds["jump"] == 9
    node = graph["learner.group2.block3.conv1"]
    lines = (STDLIB / "jumpnet.jnet").read_text().splitlines()
    assert node.span.path == "std/jumpnet.jnet"
    assert lines[node.span.line - 1].strip().startswith("bn relu conv(f // reduction, 1x1)")
    assert len(node.trace) == 2  # JumpGroup(...) in the learner, Bottleneck(...) in the group


def test_lint_says_how_to_fix() -> None:
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    graph.add_edge("stem.conv1", "stem.bn1", Edge("shortcut", 0))
    with pytest.raises(IRLintError, match="use one of"):
        lint(graph)
    graph.add_edge("stem.conv1", "stem.bn1", Edge("flow", 0))
    lint(graph)
    graph.add_edge("task.dense1", "stem.conv1", Edge("flow", 1))
    with pytest.raises(IRLintError, match="a layer takes port 0 only"):
        lint(graph)
    graph.add_edge("task.dense1", "stem.conv1", Edge("flow", 0))
    with pytest.raises(IRLintError, match="a layer takes port 0 only"):  # two inputs now
        lint(graph)
