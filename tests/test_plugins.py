"""Plugins: loaded by ``--plugin`` (before or after any verb), by ``plugins=`` in the Python
API, or from an installed package's entry points; refused when they collide; their failures
reported as diagnostics, never as jumpdsl's internal error; every backend (code, export, draw,
summary, training) handling their ops. The test plugins are in tests/plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import jumpdsl
from conftest import net
from jumpdsl.api import check_text
from jumpdsl.backends.draw import DrawOptions, draw
from jumpdsl.backends.summary import summarize
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.cli import main
from jumpdsl.ops.loading import op_table

PLUGIN = "jumpdsl_testops"
USES = net(
    "stem { conv(6, 3x3) blur pixelnorm chanaffine bn relu } "
    "learner { branch wsum { { } { conv(6, 1x1) relu } } layerscale } "
    "task { gap dense(3) }",
    input="[3, 8, 8]",
)


@pytest.fixture
def spec(tmp_spec) -> Path:
    return tmp_spec(USES)


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize(
    "where",
    [
        ["--plugin", PLUGIN, "check", "{spec}"],
        ["check", "{spec}", "--plugin", PLUGIN],
        ["--plugin", "jumpdsl_cbam.ops", "check", "{spec}", "--plugin", PLUGIN],
    ],
    ids=["before", "after", "both"],
)
def test_plugin_flag_before_or_after_the_verb(where, spec, capsys) -> None:
    assert main([part.format(spec=spec) for part in where]) == 0
    assert "ok: T" in capsys.readouterr().out


def test_without_the_plugin_its_ops_are_unknown(spec, capsys) -> None:
    assert main(["check", str(spec), "--no-plugins"]) == 1
    assert "unknown op or template 'blur'" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["compile", "draw", "export", "fmt", "train", "eval"])
def test_every_verb_takes_the_plugin_flag(verb) -> None:
    parser = __import__("jumpdsl.cli.main", fromlist=["build_parser"]).build_parser()
    args = parser.parse_args(["--plugin", "a", verb, *_required(verb), "--plugin", "b"])
    from jumpdsl.cli.common import plugins

    assert plugins(args) == ["a", "b"]


def _required(verb: str) -> list[str]:
    return {
        "draw": ["x.jnet", "-o", "x.svg"],
        "export": ["x.jnet", "-o", "x.py"],
        "train": ["x.jnet", "--out", "run"],
        "eval": ["x.jnet", "--checkpoint", "best.pt"],
    }.get(verb, ["x.jnet"])


def test_the_python_api_takes_plugins(spec) -> None:
    assert jumpdsl.check(spec, plugins=[PLUGIN]).ok
    assert not jumpdsl.check(spec).ok
    model = jumpdsl.load(spec, plugins=[PLUGIN], seed=0).eval()
    assert model(torch.randn(2, 3, 8, 8)).shape == (2, 3)
    assert check_text(USES, plugins=[PLUGIN]).ok


def test_a_plugin_that_cannot_be_loaded_is_a_usage_error(spec, capsys) -> None:
    assert main(["--plugin", "jumpdsl_no_such_plugin", "check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "error[JD601]: cannot load plugin 'jumpdsl_no_such_plugin'" in err
    assert main(["--plugin", "jumpdsl_collides", "check", str(spec)]) == 2
    assert "defines op 'conv', which is a core op" in capsys.readouterr().err


def test_two_plugins_may_not_define_one_op(tmp_path, monkeypatch) -> None:
    (tmp_path / "jumpdsl_twin.py").write_text(
        "from jumpdsl_testops import OPS as _OPS\nOPS = _OPS[:1]\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = check_text(USES, plugins=[PLUGIN, "jumpdsl_twin"])
    assert [d.code for d in result.diagnostics] == ["JD601"]
    assert "op 'blur' is defined by 'jumpdsl_testops' too" in result.diagnostics[0].message


# ---------------------------------------------------------------- installed packages


def _install(site: Path, name: str, value: str, dist: str = "fake-ops") -> None:
    """A package as pip would leave it: a dist-info folder with an entry point."""
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[jumpdsl.ops]\n{name} = {value}\n")


def test_an_installed_op_loads_when_a_spec_uses_it(tmp_path, monkeypatch) -> None:
    _install(tmp_path, "wsum", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("JUMPDSL_NO_PLUGINS", raising=False)
    text = net("stem { conv(4, 3x3) branch wsum { { } { relu } } }")
    result = check_text(text)
    assert result.ok, result.diagnostics
    assert result.graph is not None and result.graph.ops.origin("wsum").dist == "fake-ops"
    assert "blur" not in result.graph.ops  # only the op the spec names is loaded
    assert "wsum" not in check_text(net("stem { relu }")).graph.ops  # type: ignore[union-attr]


def test_an_installed_op_not_loaded_says_which_plugin_to_load(tmp_path, monkeypatch) -> None:
    _install(tmp_path, "wsum", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("JUMPDSL_NO_PLUGINS", "1")
    result = check_text(net("stem { conv(4, 3x3) branch wsum { { } { relu } } }"))
    (diag,) = result.diagnostics
    assert diag.code == "JD201" and diag.message == "unknown merge 'wsum'"
    result = check_text(net("stem { wsum }"))
    (diag,) = result.diagnostics
    assert diag.message == "unknown op or template 'wsum'"
    assert diag.hint == (
        "'wsum' comes from the plugin 'jumpdsl_testops' (package fake-ops), which is not loaded "
        "because autoloading is off (--no-plugins or JUMPDSL_NO_PLUGINS): load it with "
        "--plugin jumpdsl_testops"
    )


def test_an_installed_plugin_that_fails_to_load_is_named_where_its_op_is_used(
    tmp_path, monkeypatch
) -> None:
    _install(tmp_path, "shiny", "jumpdsl_not_there", dist="shiny-ops")
    _install(tmp_path, "conv", "jumpdsl_collides", dist="rogue-ops")  # a core name: refused
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("JUMPDSL_NO_PLUGINS", raising=False)
    result = check_text(net("stem { conv(4, 3x3) shiny }"))
    (diag,) = result.diagnostics
    assert diag.code == "JD201"
    assert "'shiny' comes from the plugin 'jumpdsl_not_there' (package shiny-ops), which " in (
        diag.hint or ""
    )
    assert "failed to load: ModuleNotFoundError" in (diag.hint or "")
    assert result.graph is None or result.graph.ops["conv"] is op_table()["conv"]


def test_a_template_named_like_an_installed_op_wins(tmp_path, monkeypatch) -> None:
    _install(tmp_path, "blur", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("JUMPDSL_NO_PLUGINS", raising=False)
    text = net("stem { blur() }", head="    block blur() { relu }")
    assert check_text(text).ok


# ---------------------------------------------------------------- failures are diagnostics


def test_a_builder_that_raises_is_a_diagnostic_not_a_crash(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(net("stem {\n    conv(4, 3x3)\n    crash_build\n}"))
    assert main(["--plugin", "jumpdsl_broken", "compile", str(spec)]) == 1
    err = capsys.readouterr().err
    assert (
        "t.jnet:6:5: error[JD602]: op 'crash_build' of plugin 'jumpdsl_broken' failed in its "
        in err
    )
    assert "torch builder: RuntimeError: the builder is broken" in err
    assert "internal error" not in err
    target = tmp_path / "x.py"
    assert main(["--plugin", "jumpdsl_broken", "export", str(spec), "-o", str(target)]) == 1
    assert not target.exists()


def test_a_label_that_raises_is_a_diagnostic_not_a_crash(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(net("stem { conv(4, 3x3) crash_label }"))
    target = tmp_path / "t.svg"
    assert main(["--plugin", "jumpdsl_broken", "draw", str(spec), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "error[JD602]: op 'crash_label' of plugin 'jumpdsl_broken' failed in its label" in err
    assert not target.exists()


def test_a_wrong_parameter_count_is_the_plugins_diagnostic(tmp_spec, capsys) -> None:
    spec = tmp_spec(net("stem { conv(4, 3x3) miscounted }"))
    assert main(["--plugin", "jumpdsl_broken", "compile", str(spec)]) == 1
    err = capsys.readouterr().err
    assert (
        "error[JD602]: op 'miscounted' of plugin 'jumpdsl_broken' failed in its parameter " in err
    )
    assert "count: it counts 0 parameters, its torch module holds 4" in err


def test_an_export_torch_cannot_trace_is_refused_naming_the_plugin_op(
    tmp_spec, tmp_path, capsys
) -> None:
    spec = tmp_spec(net("stem { conv(4, 3x3) untraceable }"))
    target = tmp_path / "t.pt2"
    assert main(["--plugin", "jumpdsl_broken", "export", str(spec), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "torch.export cannot trace the network, which holds the plugin ops untraceable" in err
    assert not target.exists()


# ---------------------------------------------------------------- every backend


def test_own_tensors_stay_at_the_node_in_source_order() -> None:
    graph = check_text(USES, plugins=[PLUGIN]).raise_for_errors()
    keys = list(build_module(graph).state_dict())
    nodes = [key.rsplit(".", 1)[0] for key in keys]
    order = graph.order()
    assert nodes == sorted(nodes, key=order.index)  # grouped by node, nodes in source order
    assert "stem.chanaffine1.weight" in keys and "learner.layerscale1.gamma" in keys
    assert "learner.branch1.wsum1.weights" in keys and "stem.blur1.kernel" in keys


def test_plugin_ops_in_the_summary_and_the_drawing() -> None:
    graph = check_text(USES, plugins=[PLUGIN]).raise_for_errors()
    summary = summarize(graph)
    model = build_module(graph)
    assert summary["params"] == sum(p.numel() for p in model.parameters())
    labels = [layer["label"] for layer in summary["layers"]]
    assert {"blur", "pixelnorm", "chanaffine", "Σ", "layerscale"} <= set(labels)
    dot = draw(graph, "dot", DrawOptions(depth=3)).decode("utf-8")
    assert 'label="Σ"' in dot and "chanaffine" in dot and "blur" in dot


def test_export_refuses_a_module_class_it_cannot_import(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "jumpdsl_local.py").write_text(
        "from jumpdsl.plugin import Op, same_shape\n"
        "def _build(em, xs, a, ins, out):\n"
        "    class Local(em.nn.Module):\n"
        "        def forward(self, x):\n"
        "            return x * 2\n"
        "    return em.module(Local(), xs[0])\n"
        "OPS = (Op('twice', 'Doubles.', same_shape, _build),)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = tmp_path / "t.jnet"
    spec.write_text(net("stem { twice }"), encoding="utf-8")
    target = tmp_path / "out.py"
    args = ["--plugin", "jumpdsl_local", "export", str(spec), "-o", str(target)]
    assert main(args) == 2
    assert "cannot export Local: not a torch.nn module" in capsys.readouterr().err
    assert not target.exists()
    assert main(["--plugin", "jumpdsl_local", "compile", str(spec)]) == 0  # building is fine


def test_training_a_network_with_plugin_ops(tmp_spec, tmp_path, capsys) -> None:
    spec = tmp_spec(USES)
    args = ["--plugin", PLUGIN, "train", str(spec), "--out", str(tmp_path / "run")]
    args += ["--batch-size", "16", "--data", "synthetic:64", "--epochs", "1", "--lr", "0.01"]
    assert main(args) == 0
    state = torch.load(tmp_path / "run" / "best.pt", weights_only=True)
    assert "learner.branch1.wsum1.weights" in state["model"]
    capsys.readouterr()
    args = ["eval", str(spec), "--checkpoint", str(tmp_path / "run" / "best.pt"), "--json"]
    assert main(["--plugin", PLUGIN, *args]) == 0
    assert 0 <= json.loads(capsys.readouterr().out)["acc"] <= 1


# ---------------------------------------------------------------- jumpdsl ops


def test_ops_lists_the_core_and_the_plugins(capsys) -> None:
    assert main(["--plugin", PLUGIN, "ops", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["ops"]
    names = [entry["name"] for entry in listed]
    assert names[: len(op_table(autoload=False))] == list(op_table(autoload=False))
    blur = next(entry for entry in listed if entry["name"] == "blur")
    assert blur["plugin"] == PLUGIN and not blur["merge"]
    conv = next(entry for entry in listed if entry["name"] == "conv")
    assert conv["plugin"] is None and "init=torch" in conv["attrs"] and "filters" in conv["attrs"]
    assert main(["ops", "layerscale"]) == 0
    assert capsys.readouterr().out.startswith("layerscale  core: A learnable scale")
    assert main(["ops", "no_such_op"]) == 2
