"""Every op in the table (the core's and a test plugin's) against plain torch: its examples
computed through jumpdsl equal their references in value, the shape pass equals torch's shapes
node by node, the parameter counts equal torch's, and the tests are shown to catch a builder
that does nothing. The cases come from the table (tests/op_examples.py), not from a list."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from op_examples import CASES, IDS, TABLE, Case, cases, graph_of, run
from torch.fx.passes.shape_prop import ShapeProp

from jumpdsl.api import check_text
from jumpdsl.backends.torch_fx import build
from jumpdsl.ops import CORE
from jumpdsl.ops.core import ShapeError
from jumpdsl.ops.table import OpTable
from jumpdsl.passes.shapes import Shapes


def test_every_op_has_examples_that_use_it() -> None:
    assert set(CORE) < set(TABLE) and TABLE.plugins()  # the core and the test plugin
    missing = [name for name, op in TABLE.items() if not op.examples]
    assert not missing, f"give these ops examples= in their entries: {missing}"
    for case in CASES:
        graph = graph_of(case)
        assert any(graph[n].op == case.op.name for n in graph), case.id


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_example_equals_its_plain_torch_reference(case: Case) -> None:
    done = run(case)
    assert done.got.shape == done.expected.shape
    torch.testing.assert_close(done.got, done.expected)
    graph = graph_of(case)
    assert sum(p.numel() for p in done.module.parameters()) == sum(
        graph.get(Shapes, n).params for n in graph
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shape_pass_equals_torch_at_every_node(case: Case) -> None:
    graph = graph_of(case)
    with torch.device("meta"):  # shapes only
        built = build(graph)
    ShapeProp(built.module).propagate(torch.empty(2, *graph.input_shape, device="meta"))
    fx_nodes = {n.name: n for n in built.module.graph.nodes}
    for ir_node in graph:
        fx_node = fx_nodes[built.log.outputs[ir_node]]  # the value the IR node gives
        torch_shape = tuple(fx_node.meta["tensor_meta"].shape)
        assert torch_shape == (2, *graph.get(Shapes, ir_node).shape), ir_node


def _doing_nothing(table: OpTable, name: str) -> OpTable:
    """``table`` with the builder of ``name`` replaced by one that passes its input on."""

    def nothing(em, xs, a, ins, out):  # type: ignore[no-untyped-def]
        return xs[0]

    return OpTable(
        dataclasses.replace(op, build=nothing) if op.name == name else op for op in table.values()
    )


def _caught(case: Case, broken: OpTable) -> bool:
    try:
        done = run(case, broken)
    except (KeyError, RuntimeError):  # no weights for the reference, or torch refuses
        return True
    return done.got.shape != done.expected.shape or not torch.allclose(done.got, done.expected)


def _changes_its_input(case: Case) -> bool:
    done = run(case)
    return done.expected.shape != done.x.shape or not torch.allclose(done.expected, done.x)


def test_a_channel_shuffle_that_does_nothing_fails_its_value_test() -> None:
    broken = _doing_nothing(TABLE, "channel_shuffle")
    shuffles = [c for c in cases(broken) if c.op.name == "channel_shuffle"]
    assert shuffles and all(_caught(case, broken) for case in shuffles)


_ACTIVE = [c for c in CASES if c.op.name != "identity"]


@pytest.mark.parametrize("case", _ACTIVE, ids=[c.id for c in _ACTIVE])
def test_any_builder_that_does_nothing_is_caught(case: Case) -> None:
    # For every example whose op changes its input, a do-nothing builder is a failure.
    if not _changes_its_input(case):
        pytest.skip("this example leaves its input as it is (dropout in eval mode)")
    broken = _doing_nothing(TABLE, case.op.name)
    broken_case = next(c for c in cases(broken) if c.id == case.id)
    assert _caught(broken_case, broken)


def test_an_ops_aliases_answer_an_unknown_name_core_and_plugin_alike() -> None:
    from jumpdsl.ops import CORE
    from jumpdsl.ops.core import Op, same_shape
    from jumpdsl.ops.table import OpTable

    blur = Op(
        "blur", "a blur", same_shape, lambda em, xs, a, ins, out: xs[0], aliases=("gaussblur",)
    )
    table = OpTable([*CORE.values(), blur])
    assert "'blur'" in str(table.unknown_hint("GaussBlur"))
    assert "'bn'" in str(table.unknown_hint("BatchNorm2d"))
    assert "'relu'" in str(table.unknown_hint("ReLU"))  # its own name in other capitals
    assert "BatchNorm2d" not in str(CORE.unknown_hint("cnov"))  # a typo gets did-you-mean


@pytest.mark.parametrize(
    ("body", "input", "code", "words"),
    [
        ("groupnorm(4)", "[6, 8, 8]", "JD306", "6 channels do not split into 4 groups"),
        ("groupnorm(3)", "[7]", "JD306", "7 channels do not split into 3 groups"),
        ("lrn(5)", "[6]", "JD305", "feature-map"),
        ("instancenorm", "[6]", "JD305", "feature-map"),
        ("prelu(init=he_normal)", "[6, 4, 4]", "JD203", "a number or an initialisation"),
        ("leaky_relu(true)", "[6, 4, 4]", "JD203", "a number"),
        ("scale", "[6, 4, 4]", "JD202", "factor"),
    ],
)
def test_the_new_ops_refuse_what_torch_would_and_say_why(
    body: str, input: str, code: str, words: str
) -> None:
    result = check_text(f"network T {{\n    input {input}\n    stem {{ {body} }}\n}}\n")
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == code and words in diagnostic.message, diagnostic.message


_POOL_GRID = [
    (op, size, kernel, stride, pad, ceil)
    for op in ("maxpool", "avgpool")
    for size in range(1, 12)
    for kernel in (1, 2, 3, 4)
    for stride in (1, 2, 3)
    for pad in (0, 1, 2)
    for ceil in (False, True)
]


@pytest.mark.parametrize("ceil", [False, True])
@pytest.mark.parametrize("op", ["maxpool", "avgpool"])
def test_pool_shape_rule_equals_torch_over_a_grid(op: str, ceil: bool) -> None:
    # PyTorch's pools: the floor or ceiling count, the ceiling less the window that would start
    # in the right padding alone, at most half a window of padding, at least one window.
    pool = torch.nn.functional.max_pool2d if op == "maxpool" else torch.nn.functional.avg_pool2d
    rule = CORE[op].shape
    checked = 0
    for name, size, kernel, stride, pad, mode in _POOL_GRID:
        if (name, mode) != (op, ceil):
            continue
        attrs = {
            "kernel": (kernel, kernel),
            "stride": (stride, stride),
            "padding": (pad, pad),
            "ceil_mode": ceil,
            "count_include_pad": True,
        }
        try:
            expected = tuple(
                pool(torch.zeros(1, 2, size, size), kernel, stride, pad, ceil_mode=ceil).shape[1:]
            )
        except RuntimeError:
            expected = None
        try:
            got: tuple[int, ...] | None = rule([(2, size, size)], attrs)
        except ShapeError:
            got = None
        assert got == expected, (size, kernel, stride, pad, ceil)
        checked += 1
    assert checked == len(_POOL_GRID) // 4


def test_pool_labels_say_what_is_not_pytorchs_default() -> None:
    def label(op: str, **attrs: object) -> str:
        base = {"kernel": (3, 3), "stride": (2, 2), "padding": (1, 1), "ceil_mode": False}
        if op == "avgpool":
            base["count_include_pad"] = True
        return CORE[op].label({**base, **attrs})

    assert label("maxpool") == "maxpool 3×3, /2"
    assert label("maxpool", ceil_mode=True) == "maxpool 3×3, ceil, /2"
    assert label("avgpool", count_include_pad=False) == "avgpool 3×3, pad not counted, /2"
    assert label("avgpool", ceil_mode=True, count_include_pad=False, stride=(1, 1)) == (
        "avgpool 3×3, ceil, pad not counted"
    )
