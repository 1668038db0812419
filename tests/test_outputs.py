"""Named outputs (`output NAME [from TENSOR] [{ head }]`): values against a plain-torch
two-head network, the forms of the module (nested, flat, inference), the exports, the summary,
the drawing, training's main output, the formatter and the errors."""

from __future__ import annotations

import io
import json

import pytest
import torch
from torch import nn

from jumpdsl.api import check_text
from jumpdsl.backends.draw import draw
from jumpdsl.backends.export import export_bytes
from jumpdsl.backends.export_py import python_source
from jumpdsl.backends.inference import inference_module
from jumpdsl.backends.summary import format_totals, summarize
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.cli import main
from jumpdsl.formatting import format_source
from jumpdsl.source import SourceFile
from jumpdsl.train.model import MainOutput

TWO = """
network Two(aux = true) {
    input [3, 16, 16]
    defaults { conv.bias = false }
    stem { conv(8, 3x3, padding=1) bn relu }
    learner {
        conv(16, 3x3, stride=2, padding=1) bn relu as middle
        conv(32, 3x3, stride=2, padding=1) bn relu
    }
    task {
        conv(5, 1x1, bias=true)
        if aux {
            output aux from middle { conv(4, 3x3, padding=1) bn relu conv(5, 1x1, bias=true) }
        }
        output tap
    }
}
"""


class Reference(nn.Module):
    """TWO in plain torch: a trunk, a main head and an aux head from the middle."""

    def __init__(self) -> None:
        super().__init__()

        def cbr(cin: int, cout: int, stride: int) -> list[nn.Module]:
            conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            return [conv, nn.BatchNorm2d(cout), nn.ReLU()]

        self.stem = nn.Sequential(*cbr(3, 8, 1))
        self.middle = nn.Sequential(*cbr(8, 16, 2))
        self.deep = nn.Sequential(*cbr(16, 32, 2))
        self.head = nn.Conv2d(32, 5, 1)
        self.aux = nn.Sequential(*cbr(16, 4, 1), nn.Conv2d(4, 5, 1))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        middle = self.middle(self.stem(x))
        out = self.head(self.deep(middle))
        return {"out": out, "aux": self.aux(middle), "tap": out}


def _graph(**params):
    return check_text(TWO, params=params).raise_for_errors()


def _randomised(module: nn.Module) -> nn.Module:
    """Batch norm statistics and affine made random, so eval mode is not the identity."""
    generator = torch.Generator().manual_seed(5)
    for name, tensor in module.state_dict().items():
        if name.endswith(("running_mean", "bias")):
            tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.1)
        elif name.endswith(("running_var", "weight")) and tensor.dim() == 1:
            tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
    return module.eval()


def _copy_in_order(source: nn.Module, target: nn.Module) -> None:
    ours = {k: v for k, v in source.state_dict().items() if "num_batches" not in k}
    theirs = {k: v for k, v in target.state_dict().items() if "num_batches" not in k}
    assert [v.shape for v in ours.values()] == [v.shape for v in theirs.values()]
    target.load_state_dict(dict(zip(theirs, ours.values(), strict=True)), strict=False)


def test_outputs_equal_a_plain_torch_two_head_network() -> None:
    module = _randomised(build_module(_graph(), seed=0))
    reference = Reference()
    _copy_in_order(module, reference)
    reference.eval()
    x = torch.randn(2, 3, 16, 16)
    got, expected = module(x), reference(x)
    assert list(got) == ["out", "aux", "tap"]
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-5, atol=1e-6)


def test_nested_flat_and_inference_forms_agree() -> None:
    graph = _graph()
    nested = _randomised(build_module(graph, seed=1, hierarchy=True))
    flat = build_module(graph, seed=1)
    flat.load_state_dict(nested.state_dict())
    flat.eval()
    fast = inference_module(graph, weights=nested.state_dict())
    x = torch.randn(3, 3, 16, 16)
    want = flat(x)
    for other in (nested(x), fast(x)):
        assert list(other) == list(want)
        for name in want:
            torch.testing.assert_close(other[name], want[name], rtol=1e-4, atol=1e-5)


def test_without_outputs_the_module_is_as_before() -> None:
    """`if false { output … }` declares nothing: the same code and state_dict as a spec that
    never had the statement, and one tensor back."""
    plain = (
        TWO.replace("output tap", "")
        .replace(
            "if aux {\n            output aux from middle { conv(4, 3x3, padding=1) bn relu "
            "conv(5, 1x1, bias=true) }\n        }",
            "",
        )
        .replace("as middle", "")
    )
    off = check_text(TWO.replace("output tap", ""), params={"aux": False})
    assert off.ok  # `middle` is unused: a warning only
    a, b = build_module(off.graph, seed=2), build_module(_plain(plain), seed=2)
    assert a.code == b.code
    assert list(a.state_dict()) == list(b.state_dict())
    assert isinstance(a(torch.randn(1, 3, 16, 16)), torch.Tensor)
    assert "outputs" not in summarize(off.graph)


def _plain(text: str):
    return check_text(text).raise_for_errors()


def test_python_export_returns_every_output(tmp_path) -> None:
    graph = _graph()
    path = tmp_path / "two.py"
    path.write_text(python_source(graph, seed=3), encoding="utf-8")
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    exported = namespace["Model"]().eval()
    module = build_module(graph, seed=3).eval()
    x = torch.randn(2, 3, 16, 16)
    got, want = exported(x), module(x)
    assert list(got) == list(want)
    for name in want:
        torch.testing.assert_close(got[name], want[name])


def test_pt2_export_returns_every_output() -> None:
    graph = _graph()
    program = torch.export.load(io.BytesIO(export_bytes(graph, ".pt2", seed=1)))
    x = torch.randn(4, 3, 16, 16)
    got, want = program.module()(x), build_module(graph, seed=1).eval()(x)
    assert list(got) == list(want)
    for name in want:
        torch.testing.assert_close(got[name], want[name])


def test_onnx_export_names_its_outputs() -> None:
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    graph = _graph(aux=True)
    proto = onnx.load_from_string(export_bytes(graph, ".onnx", seed=2))
    names = [o.name for o in proto.graph.output]
    assert names[:2] == ["out", "aux"]
    x = torch.randn(2, 3, 16, 16)
    got = ReferenceEvaluator(proto).run(["out", "aux"], {proto.graph.input[0].name: x.numpy()})
    want = build_module(graph, seed=2).eval()(x)
    for value, name in zip(got, ("out", "aux"), strict=True):
        assert abs(value - want[name].detach().numpy()).max() < 1e-4


def test_summary_lists_each_output_and_its_parameters_count() -> None:
    graph = _graph()
    summary = summarize(graph)
    assert summary["outputs"] == {"out": [5, 4, 4], "aux": [5, 8, 8], "tap": [5, 4, 4]}
    assert summary["output_shape"] == [5, 4, 4]
    module = build_module(graph, seed=0)
    assert summary["params"] == sum(p.numel() for p in module.parameters())
    assert "→ outputs out 5×4×4, aux 5×8×8, tap 5×4×4" in format_totals(summary)[0]


def test_compile_cli_checks_every_output(tmp_path, capsys) -> None:
    spec = tmp_path / "two.jnet"
    spec.write_text(TWO, encoding="utf-8")
    assert main(["compile", str(spec), "--json", "--batch-size", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["forward"]["ok"]
    assert report["forward"]["output_shapes"]["aux"] == [2, 5, 8, 8]
    assert main(["check", str(spec)]) == 0
    assert "→ out 5×4×4, aux 5×8×8, tap 5×4×4" in capsys.readouterr().out


def test_drawing_has_an_end_for_each_output() -> None:
    dot = draw(_graph(), "dot").decode()
    assert dot.count('label="output aux"') == 1
    assert dot.count('label="output tap"') == 1
    assert "output [label=output " in dot  # the main one, as before
    assert "output aux" not in draw(_graph(aux=False), "dot").decode()


def test_training_uses_the_main_output() -> None:
    module = build_module(_graph(), seed=0).eval()
    x = torch.randn(1, 3, 16, 16)
    torch.testing.assert_close(MainOutput(module)(x), module(x)["out"])


def test_formatter_keeps_output_statements() -> None:
    text = (
        "network T {\n    input [3, 8, 8]\n    task {\n        gap\n"
        "        output a { dense(2) }\n        output b\n    }\n}\n"
    )
    formatted = format_source(SourceFile("t.jnet", text))
    assert formatted.text == text


def _codes(text: str) -> list[tuple[str, int]]:
    result = check_text(text)
    return [(d.code, d.span.line if d.span else 0) for d in result.diagnostics]


def test_output_inside_a_template_is_jd216() -> None:
    text = (
        "block B {\n  conv(4, 1x1)\n  output aux { gap }\n}\n"
        "network T {\n  input [3, 8, 8]\n  learner { B }\n  task { gap }\n}\n"
    )
    assert ("JD216", 3) in _codes(text)
    text = "network T {\n  input [3, 8, 8]\n  learner { skip add { output a conv(3, 1x1) } }\n}\n"
    assert ("JD216", 3) in _codes(text)


def test_second_output_of_a_name_or_out_is_jd217() -> None:
    base = "network T {{\n  input [3, 8, 8]\n  task {{\n    gap\n{0}  }}\n}}\n"
    assert ("JD217", 6) in _codes(base.format("    output a\n    output a\n"))
    assert ("JD217", 5) in _codes(base.format("    output out\n"))
    assert ("JD217", 5) in _codes(base.format("    repeat 2 { output a }\n"))


def test_output_from_an_unknown_tensor_says_so() -> None:
    text = "network T {\n  input [3, 8, 8]\n  task {\n    gap\n    output a from nowhere\n  }\n}\n"
    assert ("JD201", 5) in _codes(text) or any(c[1] == 5 for c in _codes(text))
