"""The language: expressions, loops, templates, shortcuts, branches, named tensors, defaults;
and the errors each construct reports."""

from __future__ import annotations

import pytest

from conftest import net
from jumpdsl.api import check_file, check_text
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


# ---------------------------------------------------------------- powers, math and functions


def values(text: str, **params) -> dict:
    """The network's parameters after checking ``text`` (a network whose parameters hold the
    expressions under test)."""
    return ok(text, **params).params


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("2 ** 3 ** 2", 2**3**2),  # right-associative: 512
        ("-2 ** 2", -(2**2)),  # above unary minus, as in Python
        ("(-2) ** 2", 4),
        ("2 ** -1", 0.5),  # int ** negative int is a float
        ("2 * -3 ** 2", 2 * -(3**2)),
        ("-2 ** -2", -(2**-2)),
        ("2 ** 62", 2**62),
        ("(-2) ** 63", (-2) ** 63),  # exactly -2**63 is out of ±(2**63 - 1): see robustness
        ("1.5 ** 2", 2.25),
        ("pow(3, 4)", 81),
        ("pow(4, 0.5)", 2.0),
        ("log(1)", 0.0),
        ("log(8, 2)", 3.0),
        ("log(1000, 10)", pytest.approx(3.0)),
        ("log2(1024)", 10.0),
        ("exp(0)", 1.0),
        ("sqrt(2.25)", 1.5),
        ("int(true) + int(false)", 1),
        ("int(3.9)", 3),
        ("if 3 > 2 then 10 else 1 // 0", 10),  # only the branch chosen is evaluated
        ("if false then 1 else if true then 2 else 3", 2),
        ("(if true then 2 else 3) ** 2", 4),
    ],
)
def test_power_and_math_functions(expr: str, expected: object) -> None:
    text = f"network T(v = {expr}) {{ input [3] task {{ dense(2) }} }}"
    if expr == "(-2) ** 63":
        assert [e[0] for e in errors(text)] == ["JD211"]
        return
    got = values(text)["v"]
    assert got == expected
    if isinstance(expected, (int, float)):
        assert type(got) is type(expected)  # an int stays an int, a float a float


def test_power_types_follow_python() -> None:
    got = values("network T(a = 2 ** 3, b = 2 ** -1, c = 2.0 ** 3) { input [3] task { dense(2) } }")
    assert (got["a"], type(got["a"])) == (8, int)
    assert (got["b"], type(got["b"])) == (0.5, float)
    assert (got["c"], type(got["c"])) == (8.0, float)


def test_functions_defaults_lets_and_earlier_functions() -> None:
    text = (
        "fn half(x) = x / 2\n"
        "fn clamp(v, low = 1, high = low * 10) = max(low, min(high, v))\n"
        "fn area(h, w = h) {\n    let a = h * w\n    return clamp(a, 1, 100) + half(0)\n}\n"
        "network T(a = clamp(50), b = clamp(0), c = area(3), d = area(20, 30)) {\n"
        "    input [3]\n"
        "    fn twice(x) = 2 * x\n"
        "    task { dense(twice(a)) }\n"
        "}\n"
    )
    graph = ok(text)
    assert [graph.params[k] for k in "abcd"] == [10, 1, 9.0, 100.0]
    assert summarize(graph)["output_shape"] == [20]


def test_network_function_sees_the_parameters() -> None:
    text = "network T(w = 3) {\n    input [3]\n    fn wide(k) = k * w\n"
    text += "    task { dense(wide(2)) }\n}\n"
    assert summarize(ok(text, w=5))["output_shape"] == [10]


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("fn f(x) = f(x - 1)\nlet a = f(3)", "JD221", 1),
        ("fn f(x, y) = x + y\nlet a = f(1)", "JD202", 2),
        ("fn f(x) = x\nlet a = f(1, 2, 3)", "JD202", 2),
        ("let g = 3\nlet a = g(1)", "JD209", 2),
        ("let a = f(1)\nfn f(x) = x", "JD213", 1),
        ("fn f(x) = log(x)\nlet a = f(0)", "JD220", 1),
        ("fn and(x) = x", "JD212", 1),
    ],
    ids=["recursive", "too-few", "too-many", "not-a-function", "before-definition", "domain", "kw"],
)
def test_function_errors(text: str, code: str, line: int) -> None:
    got = errors(text + "\nnetwork T { input [3] task { dense(2) } }\n")
    assert [(c, n) for c, n, _ in got] == [(code, line)], got


def test_a_failed_let_is_reported_once_not_at_each_use() -> None:
    # One root cause, one diagnostic: the uses of the failed value (in lets, arguments,
    # templates' defaults, repeat counts and a function) say nothing more.
    text = (
        "let w = 3 // 0\n"
        "fn f(x) = x + w\n"
        "block B(c = w) { conv(c, 3x3) }\n"
        "network T(n = w) {\n"
        "    input [3, 8, 8]\n"
        "    let y = w * 2\n"
        "    stem { conv(y, 3x3) B() B(4) repeat w { relu } conv(f(1), 1x1) }\n"
        "    task { gap dense(n) }\n"
        "}\n"
    )
    assert [(c, n) for c, n, _ in errors(text)] == [("JD209", 1)]


def test_a_failed_template_default_is_reported_once() -> None:
    text = "block B(c = [1][3]) { conv(c, 3x3) }\n" + net("stem { B() B() B() }")
    assert [(c, n) for c, n, _ in errors(text)] == [("JD209", 1)]


# ---------------------------------------------------------------- use … as namespace


def test_use_as_namespace(tmp_path) -> None:
    (tmp_path / "lib.jnet").write_text(
        "let WIDTH = 12\n"
        "fn double(x) = 2 * x\n"
        "block Unit(f: int) { conv(f, 3x3) bn relu }\n"
        "block Pair(f: int = double(WIDTH)) { Unit(f) Unit(f) }\n",
        encoding="utf-8",
    )
    spec = tmp_path / "net.jnet"
    spec.write_text(
        'use "lib.jnet" as lib\n'
        "block Unit(f: int) { conv(f, 1x1) }  # ours: no clash with lib.Unit\n"
        "network T(c = lib.double(lib.WIDTH)) {\n"
        "    input [3, 8, 8]\n"
        "    stem { lib.Pair Unit(c) lib.Unit(5) }\n"
        "    task { gap dense(2) }\n"
        "}\n",
        encoding="utf-8",
    )
    result = check_file(spec)
    assert result.ok, [d.message for d in result.diagnostics]
    graph = result.graph
    convs = [
        (graph[n].attrs["filters"], graph[n].attrs["kernel"])
        for n in graph
        if graph[n].op == "conv"
    ]
    # lib.Pair calls lib's Unit (3×3, with BN), not ours; ours is 1×1
    assert convs == [(24, (3, 3)), (24, (3, 3)), (24, (1, 1)), (5, (3, 3))]
    assert graph.params["c"] == 24


def test_std_with_a_namespace_leaves_the_name_free() -> None:
    text = 'use "std/resnet.jnet" as std\nblock BasicBlock(f: int) { conv(f, 3x3) relu }\n' + net(
        "stem { std.BasicBlock(16) BasicBlock(16) std.ResNetStage(std.BasicBlock, 16, 2) }"
    )
    graph = ok(text)
    assert sum(graph[n].op == "add" for n in graph) == 3  # std's blocks add; ours does not


def test_a_clash_with_a_plain_use_says_how_to_namespace() -> None:
    text = 'use "std/resnet.jnet"\nblock BasicBlock(f: int) { conv(f, 3x3) }\n' + net(
        "stem { BasicBlock(4) }"
    )
    result = check_text(text)
    (diag,) = [d for d in result.diagnostics if d.severity.value == "error"]
    assert diag.code == "JD223" and diag.span.line == 2
    assert 'use "std/resnet.jnet" as resnet' in (diag.hint or "")


def test_unknown_name_in_a_namespace() -> None:
    text = 'use "std/resnet.jnet" as std\n' + net("stem { std.Nothing(3) }")
    assert [c for c, _, _ in errors(text)] == ["JD201"]


def test_a_value_named_like_a_builtin_leaves_the_builtin() -> None:
    text = "network T { input [3]\n let max = 3\n let b = max(1, 2) + max\n task { dense(b) } }"
    assert summarize(ok(text))["output_shape"] == [5]


def test_names_that_start_with_a_keyword_are_names() -> None:
    # `group`, `stem`, `skip` outrank names only as whole words: groupnorm is the op.
    text = "block blocky(stemcell: int) { conv(stemcell, 3x3) as skipper groupnorm(2) }\n" + net(
        "stem { let jumps = 4 blocky(jumps) }"
    )
    graph = ok(text)
    assert [graph[n].op for n in graph][1:] == ["conv", "groupnorm"]


def test_equal_values_of_other_types_are_checked_anew() -> None:
    # Lowering remembers an op's checked attributes per argument values: `true` and `1.0`
    # equal 1, yet each must be refused where `conv(1, …)` passed, and -0.0 stays -0.0.
    result = check_text(
        net("stem { conv(1, 3x3) conv(true, 3x3) conv(1.0, 3x3) scale(0.0) scale(-0.0) }")
    )
    refused = [(d.code, d.span.column) for d in result.diagnostics]
    assert refused == [("JD203", 26), ("JD203", 42)]
    lowered = check_text(net("stem { scale(0.0) scale(-0.0) bn bn }")).graph
    assert str(lowered["stem.scale1"].attrs["factor"]) == "0.0"
    assert str(lowered["stem.scale2"].attrs["factor"]) == "-0.0"
    first, second = lowered["stem.bn1"].attrs, lowered["stem.bn2"].attrs
    assert first == second and first is not second  # equal, never one shared dict


def test_a_used_file_calls_the_functions_of_the_files_it_uses(tmp_path) -> None:
    # lib.jnet uses std/math.jnet plainly, lib2.jnet as m, and helper.jnet (used by the spec
    # only) stays out of lib3.jnet's reach: each file sees what it uses itself.
    (tmp_path / "lib.jnet").write_text(
        'use "std/math.jnet"\nblock Wide(c) { conv(make_divisible(c * 1.3, 8), 1x1) }\n'
    )
    (tmp_path / "lib2.jnet").write_text(
        'use "std/math.jnet" as m\nblock Wide2(c) { conv(m.make_divisible(c, 16), 1x1) }\n'
    )
    (tmp_path / "helper.jnet").write_text("fn twice(x) = 2 * x\n")
    (tmp_path / "lib3.jnet").write_text("block Twice(c) { conv(twice(c), 1x1) }\n")
    spec = tmp_path / "net.jnet"
    spec.write_text('use "lib.jnet"\nuse "lib2.jnet"\n' + net("stem { Wide(20) Wide2(20) }"))
    graph = check_file(spec).raise_for_errors()
    # torchvision's _make_divisible(26.0, 8) is 24; (20, 16) rounds to 16, under 0.9·20: 32
    assert [graph[n].attrs["filters"] for n in graph if graph[n].op == "conv"] == [24, 32]
    spec.write_text(
        'use "helper.jnet"\nuse "lib3.jnet"\n' + net("stem { conv(twice(2), 1x1) Twice(3) }")
    )
    (diag,) = [d for d in check_file(spec).diagnostics if d.severity.value == "error"]
    assert diag.code == "JD201" and "twice" in diag.message
    assert diag.span.path.endswith("lib3.jnet") and diag.span.line == 1
