"""Activation memory in the summary: per layer, in all, and at the peak of a forward pass."""

from __future__ import annotations

import math

import pytest
import torch
from torch.fx.passes.shape_prop import ShapeProp

from conftest import ALL_SPECS, net
from jumpdsl.api import check_file, check_text
from jumpdsl.backends.memory import activation_memory
from jumpdsl.backends.summary import format_summary, summarize
from jumpdsl.backends.torch_fx import build_module
from jumpdsl.cli import main


@pytest.mark.parametrize("spec", ALL_SPECS[:3], ids=lambda p: p.name)
def test_layer_outputs_are_the_bytes_torch_makes(spec) -> None:
    graph = check_file(spec).raise_for_errors()
    with torch.device("meta"):
        module = build_module(graph)
    batch = 3
    ShapeProp(module).propagate(torch.empty(batch, *graph.input_shape, device="meta"))
    made = {}
    for node in module.graph.nodes:
        ir_node = node.meta.get("jumpdsl_node")
        if ir_node is not None and node.op != "placeholder":
            meta = node.meta["tensor_meta"]
            made[ir_node] = math.prod(meta.shape) * meta.dtype.itemsize
    summary = summarize(graph, batch_size=batch)
    assert {layer["name"]: layer["activation_bytes"] for layer in summary["layers"]} == made
    assert summary["activation_bytes"] == sum(made.values())
    assert summary["batch_size"] == batch


def test_peak_counts_what_is_alive_at_once() -> None:
    graph = check_text(
        net(
            "stem { conv(3, 3x3) conv(3, 3x3) conv(3, 3x3) } learner { skip add { conv(3, 1x1) } }",
            input="[3, 8, 8]",
        )
    ).raise_for_errors()
    tensor = 2 * 3 * 8 * 8 * 4  # every tensor here: batch 2, 3×8×8 floats
    memory = activation_memory(graph, 2)
    assert memory["total"] == 5 * tensor  # three convs, the shortcut's conv, the add
    # A chain holds two tensors at a time; at the add, the third conv's output (the shortcut's
    # start), the shortcut's conv and the sum are alive together.
    assert memory["peak"] == 3 * tensor


def test_compile_reports_memory_at_the_batch_size(tmp_spec, capsys) -> None:
    path = tmp_spec(net("stem { conv(4, 3x3) bn relu } task { gap dense(2) }"))
    assert main(["compile", str(path), "--batch-size", "5"]) == 0
    text = capsys.readouterr().out
    assert "activations at batch 5 (float32)" in text
    summary = summarize(check_file(path).raise_for_errors(), batch_size=5)
    assert format_summary(summary, brief=True).splitlines()[-1] in text
