"""The seed's figures: parameter counts and feature-map shapes of the JumpNet family."""

from __future__ import annotations

import pytest

from conftest import SPECS
from jumpdsl.api import STDLIB, check_file
from jumpdsl.backends.summary import summarize
from jumpdsl.passes.shapes import Shapes

FIGURES = [
    # spec, params (10 classes), map before pooling
    ("jumpnet.jnet", 813_418, (256, 4, 4)),
    ("jumpnet50.jnet", 14_598_090, (1024, 7, 7)),
    ("jumpnet101.jnet", 26_892_490, (1024, 7, 7)),
    ("jumpnet152.jnet", 37_019_594, (1024, 7, 7)),
]


def _before_pooling(graph) -> tuple[int, ...]:
    (gap,) = [node.id for node in graph.nodes() if node.op == "gap"]
    return graph.get(Shapes, gap).in_shapes[0]


@pytest.mark.parametrize(("spec", "params", "final_map"), FIGURES)
def test_jumpnet_figures(spec: str, params: int, final_map: tuple[int, ...]) -> None:
    result = check_file(SPECS / spec)
    assert result.ok, result.diagnostics
    summary = summarize(result.graph)
    assert summary["params"] == params
    assert _before_pooling(result.graph) == final_map
    assert summary["output_shape"] == [10]


def test_classes_parameter() -> None:
    result = check_file(SPECS / "jumpnet.jnet", {"classes": 100})
    assert summarize(result.graph)["params"] == 836_548
    assert summarize(result.graph)["output_shape"] == [100]


def test_keras_non_trainable_count() -> None:
    # Keras counts BN moving mean/var too: 818,826 total = 813,418 + 5,408 (2 per BN channel).
    graph = check_file(SPECS / "jumpnet.jnet").graph
    bn_channels = sum(graph.get(Shapes, n.id).shape[0] for n in graph.nodes() if n.op == "bn")
    assert 2 * bn_channels == 5_408


def test_narrow_variant_is_parameters_of_the_same_spec() -> None:
    wide = summarize(check_file(SPECS / "jumpnet.jnet").graph)
    narrow = summarize(check_file(SPECS / "jumpnet.jnet", {"bias": False, "reduction": 2}).graph)
    assert narrow["params"] < wide["params"]
    first = next(x for x in narrow["layers"] if x["name"] == "learner.group1.block1.conv1")
    assert first["output_shape"] == [16, 32, 32]  # f/2 filters
    # bias off: 32 input channels × 16 filters, no bias
    assert first["params"] == 32 * 16


def test_group_mismatch_from_the_seed_text_is_reported() -> None:
    # "a learner Group(32,3) → Group(96,4) is invalid": the first block's skip adds 64 to 96.
    result = check_file(SPECS / "jumpnet.jnet", {"groups": [(32, 3), (96, 4)]})
    assert not result.ok
    (diag,) = [d for d in result.diagnostics if d.code == "JD301"]
    assert "64×16×16" in diag.message and "96×16×16" in diag.message
    lines = (STDLIB / "jumpnet.jnet").read_text().splitlines()
    assert diag.span.path == "std/jumpnet.jnet"
    assert lines[diag.span.line - 1].strip() == "skip add"
