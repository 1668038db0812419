"""Summaries like torchinfo's and Keras's: ``jumpdsl.summary`` and ``compile --depth``. Rows
collapse by the hierarchy of scope paths, with subtotals; totals come first."""

from __future__ import annotations

import json

import pytest
import torch

import jumpdsl
from conftest import SPECS, net
from jumpdsl.api import check_file
from jumpdsl.backends.summary import depth_of, rows, summarize
from jumpdsl.cli import main

JUMPNET = SPECS / "jumpnet.jnet"


@pytest.mark.parametrize("spec", [JUMPNET, "resnet50", "densenet121"], ids=str)
def test_subtotals_add_up_to_the_totals_at_every_level(spec) -> None:
    summary = jumpdsl.summary(spec).data
    every = rows(summary)
    assert sum(r.params for r in every if r.level == 1) == summary["params"]
    assert sum(r.macs for r in every if r.level == 1) == summary["macs"]
    for row in every:
        children = [
            r for r in every if r.level == row.level + 1 and r.name.startswith(row.name + ".")
        ]
        if children:
            assert sum(c.params for c in children) == row.params, row.name
            assert sum(c.macs for c in children) == row.macs, row.name
            assert sum(c.layers for c in children) == row.layers, row.name


def test_parameter_total_is_the_torch_modules() -> None:
    model = jumpdsl.load(JUMPNET, seed=0)
    summary = jumpdsl.summary(model)
    assert summary.params == sum(p.numel() for p in model.parameters()) == 813_418
    assert summary.data["buffers"] == sum(b.numel() for b in model.buffers())
    # the module remembers the parameters it was made with (classes=100 here), not the defaults
    text = net("stem { conv(4, 3x3) bn relu } task { gap dense(classes) }", params="classes = 10")
    wide = jumpdsl.load_text(text, classes=100)
    assert jumpdsl.summary(wide).params == sum(p.numel() for p in wide.parameters()) == 620
    resnet = jumpdsl.load("resnet18", classes=7)
    assert jumpdsl.summary(resnet).data["output_shape"] == [7]


def test_a_loaded_module_still_copies_and_pickles(tmp_path) -> None:
    import copy

    model = jumpdsl.load(JUMPNET, seed=0)
    torch.save(model, tmp_path / "whole.pt")
    again = torch.load(tmp_path / "whole.pt", weights_only=False)
    assert jumpdsl.summary(again).params == jumpdsl.summary(copy.deepcopy(model)).params


def test_depth_collapses_rows() -> None:
    summary = summarize(check_file(JUMPNET).raise_for_errors())
    assert [r.name for r in rows(summary, 1)] == ["stem", "learner", "task"]
    two = rows(summary, 2)
    assert max(r.level for r in two) == 2 and "learner.group1" in [r.name for r in two]
    assert depth_of(summary) == 4
    layers = {layer["name"] for layer in summary["layers"]}
    leaves = [r for r in rows(summary) if r.name in layers]
    assert len(leaves) == len(summary["layers"])  # every layer at full depth
    text = str(jumpdsl.summary(JUMPNET, depth=1))
    assert "group1" not in text and "learner" in text and "depth 4" in text


def test_totals_come_first_with_trainable_and_frozen_counts() -> None:
    model = jumpdsl.load(JUMPNET, seed=0)
    for p in model.stem.parameters():
        p.requires_grad_(False)  # freezing the stem: torchinfo's non-trainable params
    frozen = sum(p.numel() for p in model.stem.parameters())
    summary = jumpdsl.summary(model, depth=1)
    assert summary.data["non_trainable_params"] == frozen == 5_184
    lines = str(summary).splitlines()
    assert lines[0] == "JumpNet: input 3×32×32 → output 10"
    assert lines[1].startswith(
        "params: 813,418 (3.1 MiB in float32): 808,234 trainable, 5,184 non-trainable"
    )


def test_summary_takes_a_spec_any_way_a_notebook_holds_it() -> None:
    text = net("stem { conv(4, 3x3) bn relu } task { gap dense(2) }")
    checked = jumpdsl.check_text(text)
    by_text, by_checked, by_graph = (
        jumpdsl.summary(s).data for s in (text, checked, checked.graph)
    )
    assert by_text == by_checked == by_graph
    assert by_text["params"] == (3 * 9 * 4 + 4) + 8 + (4 * 2 + 2)
    with pytest.raises(TypeError, match=r"jumpdsl.summary\(SPEC, model=module\)"):
        jumpdsl.summary(torch.nn.Linear(2, 2))


def test_compile_depth_and_brief(capsys) -> None:
    assert main(["compile", str(JUMPNET), "--depth", "1"]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[1].splitlines()[2:]  # after the totals and the table's head
    assert [line.split()[0] for line in table] == ["stem", "learner", "task"]
    assert "jumpdsl compile --depth 4" in out
    assert main(["compile", str(JUMPNET), "--brief"]) == 0
    brief = capsys.readouterr().out
    assert "813,418 trainable" in brief and "MACs  activations" not in brief  # no table
    assert main(["compile", str(JUMPNET), "--depth", "all"]) == 0
    assert "relu1" in capsys.readouterr().out


def test_compile_json_keeps_every_layer(capsys) -> None:
    assert main(["compile", str(JUMPNET), "--json", "--depth", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["layers"]) == 126 and summary["non_trainable_params"] == 0
    assert summary["buffers"] == 5_446 and summary["scopes"]["learner.group1"] == "JumpGroup"
