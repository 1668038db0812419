"""torch.compile on the generated modules: whole graphs, no breaks, the same numbers.

Tracing costs dynamo about 20-90 ms a layer on this CPU, too slow to trace all of specs/ (3,500
layers) in every test run. What dynamo sees is decided by the kinds of calls the generated
forward makes (which module class, function or method), never by how many or in which order:
the forward is straight-line code. So the tests trace every op's examples (from the op table,
tests/op_examples.py), in train and eval mode, and check that each spec in specs/ makes no
call outside the kinds they make; JumpNet itself is traced whole as well. `python benchmarks/run.py
--graph-breaks` traces every spec whole and prints its graph and break counts.
"""

from __future__ import annotations

import functools

import pytest
import torch
import torch._dynamo
from op_examples import CASES, IDS, Case, graph_of

from conftest import ALL_SPECS, SPECS
from jumpdsl.api import check_file
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.backends.torch_runtime import prepare
from jumpdsl.options import COMPILE_MODES


def _kinds(module: torch.fx.GraphModule) -> set[tuple[str, str]]:
    """The kinds of call in a generated forward: (fx op, module class / function / method)."""
    kinds = set()
    for node in module.graph.nodes:
        if node.op == "call_module":
            kinds.add((node.op, type(module.get_submodule(node.target)).__name__))
        elif node.op in ("call_function", "call_method"):
            target = node.target if isinstance(node.target, str) else node.target.__name__
            kinds.add((node.op, target))
    return kinds


def _on_meta(graph) -> torch.fx.GraphModule:
    with torch.device("meta"):  # shapes only: built in no time, traced without arithmetic
        return build_module(graph)


@functools.cache
def _traced_kinds() -> frozenset[tuple[str, str]]:
    kinds: set[tuple[str, str]] = set()
    for case in CASES:
        kinds |= _kinds(_on_meta(graph_of(case)))
    return frozenset(kinds)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_every_spec_makes_only_traced_kinds_of_call(spec) -> None:
    kinds = _kinds(_on_meta(check_file(spec).raise_for_errors()))
    missing = sorted(kinds - _traced_kinds())
    assert not missing, f"give the ops that make {missing} an example in their entry"


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_op_compiles_whole(case: Case, training: bool) -> None:
    module = build_module(graph_of(case), seed=0).train(training)
    x = torch.randn(2, *case.example.input)
    torch._dynamo.reset()
    compiled = torch.compile(module, backend="eager", fullgraph=True)  # a break would raise
    torch.manual_seed(1)  # dropout draws the same mask in both runs
    expected = module(x)
    torch.manual_seed(1)
    torch.testing.assert_close(compiled(x), expected)


def test_jumpnet_is_one_graph_without_breaks() -> None:
    module = _on_meta(check_file(SPECS / "jumpnet.jnet").raise_for_errors()).eval()
    torch._dynamo.reset()
    explained = torch._dynamo.explain(module)(torch.empty(2, 3, 32, 32, device="meta"))
    assert (explained.graph_count, explained.graph_break_count) == (1, 0)


@pytest.mark.slow
def test_inductor_on_cpu_computes_what_eager_does() -> None:
    # The one test that runs inductor (C++ code generation and a compiler): about a minute on
    # 2 cores. A single C++ file and scalar kernels compile fastest; the numbers are the same.
    import torch._inductor.config as inductor

    model = build_module(check_file(SPECS / "jumpnet.jnet").raise_for_errors(), seed=0).eval()
    x = torch.randn(2, 3, 32, 32)
    torch._dynamo.reset()
    with inductor.patch({"cpp_wrapper": True, "cpp.vec_isa_ok": False}), torch.no_grad():
        compiled, used = prepare(model, torch.device("cpu"), torch_compile=True)
        assert used
        torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-4)
    torch._dynamo.reset()


def test_prepare_compiles_on_request_only_and_checks_the_mode() -> None:
    model = build_module(check_file(SPECS / "jumpnet.jnet").raise_for_errors())
    cpu = torch.device("cpu")
    assert prepare(model, cpu) == (model, False)  # eager on the CPU unless asked
    compiled, used = prepare(model, cpu, torch_compile=True, mode=COMPILE_MODES[-1])
    assert used and compiled is not model
    with pytest.raises(ValueError, match="compile mode 'fast'"):
        prepare(model, cpu, torch_compile=True, mode="fast")


def test_compile_says_it_is_compiling_and_how_long_it_took(tmp_spec, monkeypatch, capsys):
    """The first call of a torch.compile'd module compiles (a minute or more on a CPU): the
    command says so before it, then the time; stdout (the summary) stays as it was."""
    spec = tmp_spec("network S {\n    input [1, 8, 8]\n    stem { conv(4, 3x3) relu }\n}\n")
    monkeypatch.setattr(torch, "compile", lambda module, **options: module)  # no inductor
    from jumpdsl.cli import main

    assert main(["compile", str(spec), "--torch-compile", "--device", "cpu"]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines[0] == "torch.compile: compiling the model for cpu (may take a minute on CPU)…"
    assert lines[1].startswith("torch.compile: compiled in ") and lines[1].endswith(" s")
    assert "forward pass on cpu (torch.compile)" in out and "torch.compile:" not in out
