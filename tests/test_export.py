"""`jumpdsl export`: standalone source (.py), ONNX (.onnx) and torch.export (.pt2)."""

from __future__ import annotations

import ast
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch
from op_examples import CASES, IDS, Case, graph_of

from conftest import SPECS, net
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.export import export_bytes
from jumpdsl.backends.export_py import python_source
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.cli import main
from jumpdsl.ops.init import ALIASES, SCHEMES

# Every scheme as a spec writes it, and jumpdsl's first names for some.
WRITTEN_INITS = [s.written() for s in SCHEMES.values()] + list(ALIASES)

SMALL = net(
    "stem { conv(4, 3x3) bn relu } learner { skip add { conv(4, 1x1) } } task { gap dense(3) }"
)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exported(graph, tmp_path: Path, seed: int | None = 0) -> ModuleType:
    path = tmp_path / "model.py"
    path.write_text(python_source(graph, seed=seed), encoding="utf-8")
    return _load(path)


def _same_state(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_python_export_imports_only_torch_and_matches_the_compiled_module(tmp_path) -> None:
    graph = check_file(SPECS / "jumpnet.jnet").raise_for_errors()
    source = python_source(graph, seed=3)
    imports = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [alias.name for n in imports for alias in n.names] == ["torch"]
    assert all(isinstance(n, ast.Import) for n in imports)
    (tmp_path / "model.py").write_text(source, encoding="utf-8")
    model = _load(tmp_path / "model.py").Model()  # no arguments
    compiled = build_module(graph, seed=3)
    assert _same_state(model, compiled)  # keys, order and, with the seed, the weights
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(model.eval()(x), compiled.eval()(x))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_op_exports_to_python(case: Case, tmp_path) -> None:
    # Core and plugin ops: the file holds the same tensors, in the same order, with the same
    # seeded values, and computes the same (a plugin's classes and functions imported by name).
    graph = graph_of(case)
    model = _exported(graph, tmp_path).Model().eval()
    compiled = build_module(graph, seed=0).eval()
    assert _same_state(model, compiled)
    x = torch.randn(2, *graph.input_shape)
    torch.testing.assert_close(model(x), compiled(x), rtol=0, atol=0)


def _first_of_each_op() -> list[Case]:
    return [c for c in CASES if c.index == 0]


@pytest.mark.parametrize("case", _first_of_each_op(), ids=lambda c: c.op.name)
def test_every_op_exports_to_pt2(case: Case) -> None:
    graph = graph_of(case)
    program = torch.export.load(io.BytesIO(export_bytes(graph, ".pt2", seed=1)))
    x = torch.randn(3, *graph.input_shape)
    torch.testing.assert_close(program.module()(x), build_module(graph, seed=1).eval()(x))


@pytest.mark.parametrize("case", _first_of_each_op(), ids=lambda c: c.op.name)
def test_every_op_exports_to_onnx(case: Case) -> None:
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    graph = graph_of(case)
    proto = onnx.load_from_string(export_bytes(graph, ".onnx", seed=2))
    x = torch.randn(3, *graph.input_shape)
    (got,) = ReferenceEvaluator(proto).run(None, {proto.graph.input[0].name: x.numpy()})
    expected = build_module(graph, seed=2).eval()(x).detach().numpy()
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-4


@pytest.mark.parametrize("scheme", WRITTEN_INITS)
def test_exported_initialisation_is_the_backends(scheme, tmp_path) -> None:
    text = net(
        "stem { conv(4, 3x3) bn relu } task { gap dense(3) }",
        head=f"defaults {{ init = {scheme} }}",
    )
    graph = check_text(text).raise_for_errors()
    assert _same_state(_exported(graph, tmp_path, seed=5).Model(), build_module(graph, seed=5))


def test_unseeded_export_draws_fresh_weights_with_the_same_keys(tmp_path) -> None:
    graph = check_text(SMALL).raise_for_errors()
    model_class = _exported(graph, tmp_path, seed=None).Model
    a, b = model_class(), model_class()
    assert list(a.state_dict()) == list(build_module(graph).state_dict())
    assert not torch.equal(a.stem.conv1.weight, b.stem.conv1.weight)


def test_pt2_export_keeps_weights_and_a_dynamic_batch() -> None:
    graph = check_text(SMALL).raise_for_errors()
    program = torch.export.load(io.BytesIO(export_bytes(graph, ".pt2", seed=1)))
    x = torch.randn(5, 3, 16, 16)
    torch.testing.assert_close(program.module()(x), build_module(graph, seed=1).eval()(x))


def test_onnx_export_passes_the_checker_and_computes_the_same() -> None:
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    graph = check_text(SMALL).raise_for_errors()
    proto = onnx.load_from_string(export_bytes(graph, ".onnx", seed=2))
    onnx.checker.check_model(proto, full_check=True)
    x = torch.randn(4, 3, 16, 16)
    (got,) = ReferenceEvaluator(proto).run(None, {proto.graph.input[0].name: x.numpy()})
    expected = build_module(graph, seed=2).eval()(x).detach().numpy()
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-4


def test_cli_export_with_set_and_seed_runs_without_jumpdsl(tmp_path, capsys) -> None:
    target = tmp_path / "jumpnet.py"
    spec = str(SPECS / "jumpnet.jnet")
    assert main(["export", spec, "-o", str(target), "--set", "classes=3", "--seed", "4"]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    compiled = build_module(check_file(spec, {"classes": 3}).raise_for_errors(), seed=4).eval()
    x = torch.randn(2, 3, 32, 32)
    torch.save(x, tmp_path / "x.pt")
    code = (
        "import sys, torch, jumpnet; m = jumpnet.Model().eval(); "
        "torch.save(m(torch.load('x.pt')), 'y.pt'); "
        "assert not [n for n in sys.modules if n.startswith('jumpdsl')], 'jumpdsl was imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert torch.equal(torch.load(tmp_path / "y.pt"), compiled(x))


def test_cli_export_refuses_bad_targets(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(SMALL, name="spec.py")  # a spec whose name has an export suffix
    before = spec.read_bytes()
    assert main(["export", str(spec), "-o", str(spec)]) == 2  # never over the input
    assert spec.read_bytes() == before
    assert main(["export", str(spec), "-o", str(tmp_path / "model.h5")]) == 2
    err = capsys.readouterr().err
    assert "refusing to write over the input spec" in err and "unknown format" in err
    assert not (tmp_path / "model.h5").exists()


# ---------------------------------------------------------------- what the user controls

HOSTILE_NAME = 'a""";import os;os.system("touch PWNED");"""b\\\nc.jnet'


def test_export_escapes_the_file_name_and_set_values(tmp_path) -> None:
    """A file name (and a --set value) that would end the docstring and run a command when
    the export is imported: the file imports with no side effect, and its docstring still
    says the file's name."""
    spec = tmp_path / HOSTILE_NAME
    spec.write_text("network T(c: int = 2) { input [3, 8, 8] task { gap dense(c) } }\n")
    target = tmp_path / "model.py"
    set_value = 'c=2 """;import os;os.system("touch PWNED2");"""'
    assert main(["export", str(spec), "-o", str(target), "--set", "c=2"]) == 0
    code = "import model, sys; sys.stdout.write(model.__doc__)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()
    assert f"From: {spec} --set c=2\n" in done.stdout  # the same words read back
    graph = check_text("network T { input [3, 8, 8] task { gap dense(2) } }").raise_for_errors()
    text = python_source(graph, origin=set_value + '\n"""\nimport os\n\x00')
    assert [type(s).__name__ for s in ast.parse(text).body] == ["Expr", "Import", "ClassDef"]
    assert set_value + '\n"""\nimport os\n\x00' in ast.get_docstring(ast.parse(text), clean=False)


def test_export_refuses_a_file_that_holds_more_than_the_model() -> None:
    """The layout check runs before the file is: a statement smuggled in is refused."""
    from jumpdsl.backends.export_py import ExportError, _check_layout

    with pytest.raises(ExportError, match="statements it should not"):
        _check_layout('"""doc"""\nimport torch\nimport os; os.system("x")\nclass Model: pass\n')
    _check_layout('"""doc"""\nimport torch\nclass Model: pass\n')
