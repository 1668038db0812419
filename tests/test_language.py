"""The language: expressions, loops, templates, shortcuts, branches, named tensors, defaults;
and the errors each construct reports."""

from __future__ import annotations

import pytest

from conftest import net
from jumpdsl.api import check_text
from jumpdsl.backends.summary import summarize
from jumpdsl.passes.shapes import Shapes


def ok(text: str, **params):
    result = check_text(text, params=params)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.graph


def errors(text: str, **params) -> list[tuple[str, int, str]]:
    result = check_text(text, params=params)
    assert not result.ok
    return [
        (d.code, d.span.line if d.span else 0, d.message)
        for d in result.diagnostics
        if d.severity.value == "error"
    ]


def test_expressions_and_loops() -> None:
    graph = ok(
        net(
            "learner { for (f, n) in groups {\n"
            "  repeat n - 1 { conv(f * 2, 3x3) } conv(f // 2, 1)\n"
            "} }",
            params="groups = [(8, 2), (16, 3)]",
        )
    )
    convs = [graph.get(Shapes, n).shape[0] for n in graph if graph[n].op == "conv"]
    assert convs == [16, 4, 32, 32, 8]


def test_if_else_and_let() -> None:
    text = net(
        "stem { let c = width * 2 if pool { maxpool } else { conv(c, 3x3, stride=2) } }",
        params="width = 4, pool = false",
    )
    assert ok(text).get(Shapes, "stem.conv1").shape == (8, 8, 8)
    assert ok(text, pool=True).get(Shapes, "stem.maxpool1").shape == (3, 8, 8)


def test_scope_paths_name_templates_by_kind() -> None:
    head = "block B(f) { conv(f, 3x3) skip add }\ngroup G(f) { B(f) * 2 }"
    graph = ok(net("learner { G(3) G(3) }", head=head))
    assert "learner.group2.block2.conv1" in graph
    assert "learner.group2.block2.add1" in graph


def test_projection_shortcut_and_edge_kinds() -> None:
    head = "block Down(f) { conv(f, 3x3, stride=2) skip add { conv(f, 1x1, stride=2) bn } }"
    graph = ok(net("learner { Down(8) }", head=head))
    merge = "learner.block1.add1"
    kinds = {u: graph.edge(u, merge).kind for u in graph.inputs(merge)}
    assert kinds == {"learner.block1.skip1.bn1": "skip", "learner.block1.conv1": "flow"}
    assert graph.edge("input", "learner.block1.skip1.conv1").kind == "skip"
    assert graph.get(Shapes, merge).shape == (8, 8, 8)


def test_jump_starts_at_the_group_input_and_concats_first() -> None:
    head = "block B(f) { conv(f, 3x3) skip add }\ngroup G(f) { B(f) jump concat { conv(5, 1x1) } }"
    graph = ok(net("learner { G(3) }", head=head))
    concat = "learner.group1.concat1"
    ports = {u: graph.edge(u, concat).port for u in graph.inputs(concat)}
    assert ports == {"learner.group1.jump1.conv1": 0, "learner.group1.block1.add1": 1}
    assert graph.edge("input", "learner.group1.jump1.conv1").kind == "jump"
    assert graph.get(Shapes, concat).shape == (8, 16, 16)


def test_squeeze_excitation_as_skip_mul() -> None:
    head = "block SE(c, r = 4) { skip mul { gap dense(c // r) relu dense(c) sigmoid } }"
    graph = ok(net("stem { conv(16, 3x3) } learner { SE(16) }", head=head))
    assert graph.get(Shapes, "learner.block1.mul1").shape == (16, 16, 16)
    assert summarize(graph)["params"] == (3 * 9 * 16 + 16) + (16 * 4 + 4) + (4 * 16 + 16)


def test_branches_and_named_tensors() -> None:
    text = net(
        "stem { conv(8, 3x3) as early }\n"
        "learner { branch concat {\n"
        "  { conv(4, 1x1) } { conv(4, 3x3) } { maxpool(3, stride=1, padding=same) }\n"
        "} }\n"
        "task { skip concat from early }",
    )
    graph = ok(text)
    assert graph.get(Shapes, "learner.branch1.concat1").shape == (16, 16, 16)
    assert graph.get(Shapes, graph.output).shape == (24, 16, 16)


def test_merging_a_tensor_with_itself_goes_through_identity() -> None:
    graph = ok(net("stem { conv(4, 3x3) } learner { branch add { {} {} } }"))
    assert graph.get(Shapes, "learner.branch1.add1").shape == (4, 16, 16)
    assert any(graph[n].op == "identity" for n in graph)


def test_defaults_apply_and_can_be_overridden() -> None:
    text = net(
        "stem { conv(4, 3x3) conv(4, 3x3, bias=true) }",
        head="    defaults { conv.bias = false, init = he_normal }",
    )
    graph = ok(text)
    assert graph.get(Shapes, "stem.conv1").params == 3 * 9 * 4
    assert graph.get(Shapes, "stem.conv2").params == 4 * 9 * 4 + 4
    # he_normal is kaiming_normal(fan_in, relu), its arguments filled in by conv's checker
    assert str(graph["stem.conv1"].attrs["init"]) == "kaiming_normal(fan_in, relu)"


def test_padding_valid_and_pools() -> None:
    graph = ok(net("stem { conv(4, 3x3, padding=valid) maxpool avgpool(3, stride=1, padding=1) }"))
    assert graph.get(Shapes, "stem.conv1").shape == (4, 14, 14)
    assert graph.get(Shapes, "stem.maxpool1").shape == (4, 7, 7)
    assert graph.get(Shapes, "stem.avgpool1").shape == (4, 7, 7)


@pytest.mark.parametrize(
    ("body", "head", "code", "needle"),
    [
        ("stem { cnov(4, 3x3) }", "", "JD201", "unknown op or template 'cnov'"),
        ("stem { conv(4) }", "", "JD202", "conv needs the argument 'kernel'"),
        ("stem { conv(4, 3x3, strid=2) }", "", "JD201", "unknown argument 'strid' of conv"),
        ("stem { conv(4 / 2, 3x3) }", "", "JD203", "conv argument 'filters' expects"),
        ("stem { conv(fliters, 3x3) }", "", "JD201", "unknown name 'fliters'"),
        ("learner { B(4) }", "block B(f) { B(f) }", "JD205", "uses itself"),
        ("learner { B(4) }", "block B(f) { jump concat }", "JD208", "outside a group"),
        ("task { dense(10) }", "", "JD305", "dense needs a vector"),
        ("stem { conv(4, 3x3, groups=3) }", "", "JD304", "groups=3"),
        ("stem { conv(4, 32x32, padding=valid) }", "", "JD303", "larger than"),
        ("stem { maxpool(4) maxpool(4) maxpool }", "", "JD302", "1×1 input into a size of 0×0"),
        ("stem { add }", "", "JD208", "merges several tensors"),
        ("stem { skip plus }", "", "JD201", "unknown merge 'plus'"),
        ("stem { skip add from nowhere }", "", "JD201", "unknown tensor 'nowhere'"),
        ("stem { relu * -1 }", "", "JD203", "a count"),
        ("stem { conv(4, 3x3) as a relu as a }", "", "JD204", "tensor 'a' is defined twice"),
        ("stem { skip add from b relu as b }", "", "JD401", "'b' is used here but made later"),
    ],
)
def test_errors(body: str, head: str, code: str, needle: str) -> None:
    found = errors(net(body, head=head))
    assert any(c == code and needle in m for c, _, m in found), found


def test_errors_point_at_the_offending_line() -> None:
    text = net("stem {\n  conv(4, 3x3)\n  dense(3)\n}")
    (found,) = errors(text)
    assert found[0] == "JD305"
    assert text.splitlines()[found[1] - 1].strip() == "dense(3)"


def test_several_errors_in_one_run() -> None:
    found = errors(net("stem { cnov(4, 3x3) relu(2) }"))
    assert {c for c, _, _ in found} == {"JD201", "JD202"}


def test_did_you_mean() -> None:
    result = check_text(net("stem { conv(4, 3x3) rleu }"))
    (diag,) = result.diagnostics
    assert diag.hint is not None and diag.hint.startswith("did you mean 'relu'")


def test_unknown_and_ill_typed_overrides() -> None:
    text = net("task { gap dense(classes) }", params="classes: int = 10")
    found = errors(text, clases=3)
    assert found[0][0] == "JD207" and "no parameter 'clases'" in found[0][2]
    found = errors(text, classes="ten")
    assert found[0][0] == "JD207" and "expects int" in found[0][2]


def test_syntax_errors_say_what_was_expected() -> None:
    result = check_text("network T { input [3, 8, 8]\n stem { conv(4, 3x3) relu ] }")
    (diag,) = result.diagnostics
    assert diag.code == "JD101" and (diag.span.line, diag.span.column) == (2, 27)
    assert "unexpected ']'" in diag.message and "'}'" in diag.message
    assert "Token" not in diag.message


def test_a_missing_paren_is_reported_where_it_belongs() -> None:
    # Lark stops at '}'; the true place is right after 3x3, where ')' is missing.
    result = check_text("network T { input [3, 8, 8]\n stem { conv(4, 3x3 } }")
    (diag,) = result.diagnostics
    assert diag.code == "JD109" and (diag.span.line, diag.span.column) == (2, 20)
    assert diag.labels[0].span.column == 13  # the '(' that is not closed


def test_unclosed_brace_at_end_of_file_points_at_it() -> None:
    result = check_text("network T { input [3, 8, 8]\n stem { relu ")
    (diag,) = result.diagnostics
    assert diag.code == "JD109" and "'{' at line 2" in diag.message


def test_end_of_file_without_a_bracket_to_blame() -> None:
    result = check_text("network T { input [3, 8, 8] }\nblock B(f) ")
    (diag,) = result.diagnostics
    assert diag.code == "JD103" and diag.span.line == 2


def test_misspelt_keyword_gets_a_suggestion() -> None:
    (diag,) = check_text("network T { inptu [3, 8, 8] }").diagnostics
    assert diag.code == "JD101" and diag.hint == "did you mean 'input'?"


def test_shapes_are_deterministic_order() -> None:
    head = "block B(f) { conv(f, 3x3) skip add { conv(f, 1x1) } }"
    a = summarize(ok(net("learner { B(4) B(4) }", head=head)))
    b = summarize(ok(net("learner { B(4) B(4) }", head=head)))
    assert a == b
    names = [layer["name"] for layer in a["layers"]]
    # the shortcut path follows the main path of its block, as written
    assert names.index("learner.block1.conv1") < names.index("learner.block1.skip1.conv1")


def test_loop_carried_values_like_python() -> None:
    # `let` in a loop or an if body binds in the enclosing scope, so the next iteration sees it.
    text = net(
        "learner { let cin = 4 for c in [8, 8, 16] {\n"
        "  if cin == c { relu } else { conv(c, 1x1) }\n"
        "  let cin = c\n"
        "} }",
        input="[4, 8, 8]",
    )
    graph = ok(text)
    ops = [graph[n].op for n in graph if n != "input"]
    assert ops == ["conv", "relu", "conv"]


def test_in_channels_is_the_instance_input_channel_count() -> None:
    # A block decides identity or projection from its input, as ResNet's blocks do.
    head = (
        "block R(f) {\n"
        "  conv(f, 3x3)\n"
        "  if in_channels != f { skip add { conv(f, 1x1) } } else { skip add }\n"
        "}\n"
        "block Half { conv(in_channels // 2, 1x1) }"
    )
    graph = ok(net("learner { R(6) R(6) Half R(3) }", head=head, input="[4, 8, 8]"))
    assert "learner.block1.skip1.conv1" in graph  # 4 → 6: projection
    assert "learner.block2.skip1.conv1" not in graph  # 6 → 6: identity
    assert graph.get(Shapes, "learner.block3.conv1").shape == (3, 8, 8)
    assert "learner.block4.skip1.conv1" not in graph  # 3 → 3 after Half


def test_in_channels_in_defaults_nested_templates_and_vectors() -> None:
    head = (
        "block Gate(c: int = in_channels) { skip mul { gap dense(c) sigmoid } }\n"
        "group G { conv(2 * in_channels, 1x1) Gate }\n"
        "block V(in_channels: int = 5) { dense(in_channels) }\n"
        "block W { dense(in_channels + 1) }"
    )
    graph = ok(net("learner { G } task { gap W V }", head=head, input="[3, 8, 8]"))
    assert graph.get(Shapes, "learner.group1.conv1").shape == (6, 8, 8)
    # the nested Gate sees its own input (6 channels), not the group's (3)
    assert graph.get(Shapes, "learner.group1.block1.skip1.dense1").shape == (6,)
    assert graph.get(Shapes, "task.block1.dense1").shape == (7,)  # a vector's features
    assert graph.get(Shapes, "task.block2.dense1").shape == (5,)  # a parameter of that name wins


def test_in_channels_after_a_shape_error_reports_only_that_error() -> None:
    head = "block Half { conv(in_channels // 2, 1x1) }"
    found = errors(net("stem { conv(4, 17x17, padding=valid) } learner { Half Half }", head=head))
    assert [code for code, _, _ in found] == ["JD303"]


def test_a_word_parameter_calls_the_template_or_op_it_names() -> None:
    head = (
        "block A(f: int) { conv(f, 3x3) }\n"
        "block B(f: int) { conv(f, 1x1) relu }\n"
        "group Stage(unit: word, f: int, n: int, act: word = relu) { unit(f) * n act }"
    )
    graph = ok(net("learner { Stage(A, 4, 2) Stage(B, 8, 1, act=sigmoid) }", head=head))
    assert graph["learner.group1.block2.conv1"].attrs["kernel"] == (3, 3)
    assert graph["learner.group1.relu1"].op == "relu"
    assert graph["learner.group2.block1.conv1"].attrs["kernel"] == (1, 1)
    assert graph["learner.group2.sigmoid1"].op == "sigmoid"
    ((code, line, message),) = errors(net("learner { Stage(Bx, 4, 1) }", head=head))
    assert code == "JD201" and line == 5
    assert "'Bx'" in message and "value of 'unit'" in message


@pytest.mark.parametrize(
    "body",
    [
        "repeat 10000 { repeat 10000 { relu } }",
        "relu * 100000000",
        "repeat 1000000000 { }",
        "for i in range(100000) { for j in range(100000) { relu } }",
    ],
)
def test_expansion_limits_fail_fast(body: str) -> None:
    import time

    start = time.perf_counter()
    found = errors(net(f"stem {{ {body} }}"))
    assert [code for code, _, _ in found] == ["JD402"]
    # generous bound: the point is "fails early", not a benchmark
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("name", ["groupwise", "blocky", "stemmed", "tasks", "gated", "skipper"])
def test_a_name_that_starts_with_a_keyword_is_a_name(name) -> None:
    # Keywords outrank names in the lexer, but only as whole words: `gated` is one name, not
    # the keyword `gate` and a merge called `d`.
    text = (
        f"block {name}(f: int) {{ conv(f, 3x3) }}\n"
        f"network T {{ input [3, 8, 8] let {name}s = 2 stem {{ {name}({name}s) }} }}"
    )
    result = check_text(text)
    assert result.ok, [d.message for d in result.diagnostics]
    assert summarize(result.graph)["output_shape"] == [2, 8, 8]
