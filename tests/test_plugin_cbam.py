"""The worked plugin (examples/plugins/jumpdsl-cbam) end to end: installed with pip into a
scratch folder, found through its entry point, and exact to a CBAM ResNet written here in plain
torch from the paper (Woo, Park, Lee and Kweon, "CBAM: Convolutional Block Attention Module",
ECCV 2018) and the structure of the authors' code: the same parameters, and the same outputs
once the reference's weights are copied in.

    python -m pytest tests/test_plugin_cbam.py -s   # prints the largest difference
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from conftest import CBAM, ROOT
from jumpdsl.api import check_file
from jumpdsl.backends.summary import summarize
from jumpdsl.backends.torch_fx import build_module

SPEC = CBAM / "specs" / "resnet_cbam.jnet"
OPS_MODULE = "jumpdsl_cbam.ops"


# ---------------------------------------------------------------- the reference, in plain torch


class ChannelAttention(nn.Module):
    """Squeeze H×W twice (average and max pooling), one shared MLP with a hidden layer of C/r,
    their sum through a sigmoid: a weight per channel (the paper's Eq. 2)."""

    def __init__(self, channels: int, ratio: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels, channels // ratio),
            nn.ReLU(),
            nn.Linear(channels // ratio, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        avg = self.mlp(F.avg_pool2d(x, size, stride=size))
        peak = self.mlp(F.max_pool2d(x, size, stride=size))
        return x * torch.sigmoid(avg + peak).unsqueeze(2).unsqueeze(3).expand_as(x)


class SpatialAttention(nn.Module):
    """Squeeze the channels twice (max and mean, the order of the authors' code), a 7×7
    convolution without bias and a batch norm (momentum 0.01, as in that code), a sigmoid: a
    weight per position (the paper's Eq. 3)."""

    def __init__(self, kernel: int = 7) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel, stride=1, padding=(kernel - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(1, eps=1e-5, momentum=0.01, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = torch.cat(
            (torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1
        )
        return x * torch.sigmoid(self.bn(self.conv(squeezed)))


class ReferenceCBAM(nn.Module):
    def __init__(self, channels: int, ratio: int = 16) -> None:
        super().__init__()
        self.channel_gate = ChannelAttention(channels, ratio)
        self.spatial_gate = SpatialAttention()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial_gate(self.channel_gate(x))


class Block(nn.Module):
    """ResNet's basic block with CBAM on the residual branch, before the addition (the
    paper's Fig. 3)."""

    def __init__(self, cin: int, cout: int, stride: int, ratio: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.cbam = ReferenceCBAM(cout, ratio)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.cbam(self.bn2(self.conv2(out)))
        return F.relu(out + self.shortcut(x))


class ReferenceResNetCBAM(nn.Module):
    def __init__(self, classes: int = 10, ratio: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.blocks = nn.Sequential(
            Block(16, 16, 1, ratio), Block(16, 32, 2, ratio), Block(32, 64, 2, ratio)
        )
        self.fc = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.blocks(F.relu(self.bn(self.conv(x))))
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))


# ---------------------------------------------------------------- the checks


def _reference() -> nn.Module:
    torch.manual_seed(3)
    reference = ReferenceResNetCBAM()
    with torch.no_grad():  # running statistics away from 0 and 1, so eval mode shows them
        for buffer in reference.buffers():
            if buffer.is_floating_point():
                buffer.copy_(torch.rand(buffer.shape) + 0.5)
    return reference


def _with_reference_weights(reference: nn.Module) -> nn.Module:
    graph = check_file(SPEC, plugins=[OPS_MODULE]).raise_for_errors()
    model = build_module(graph, seed=0)
    ours, theirs = model.state_dict(), reference.state_dict()
    assert [v.shape for v in ours.values()] == [v.shape for v in theirs.values()]
    model.load_state_dict(dict(zip(ours, theirs.values(), strict=True)))
    return model


def test_the_cbam_resnet_has_the_references_parameters() -> None:
    graph = check_file(SPEC, plugins=[OPS_MODULE]).raise_for_errors()
    expected = sum(p.numel() for p in ReferenceResNetCBAM().parameters())
    assert summarize(graph)["params"] == expected
    assert sum(p.numel() for p in build_module(graph).parameters()) == expected


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
def test_the_cbam_resnet_computes_what_the_reference_does(training: bool) -> None:
    reference = _reference()
    model = _with_reference_weights(reference)
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(5))
    reference.train(training), model.train(training)
    with torch.no_grad():
        got, expected = model(x), reference(x)
    difference = (got - expected).abs().max().item()
    print(f"\nCBAM ResNet, {'train' if training else 'eval'} mode: max |diff| = {difference:.3g}")
    assert difference < 1e-5
    if training:  # the norms' running statistics moved alike
        assert torch.allclose(
            model.learner.block1.cbam1.spatial[1].running_mean,
            reference.blocks[0].cbam.spatial_gate.bn.running_mean,
        )


# ---------------------------------------------------------------- installed with pip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin pip-installed into a scratch folder (from a copy: pip builds in place)."""
    scratch = tmp_path_factory.mktemp("cbam")
    source = shutil.copytree(CBAM, scratch / "source")
    target = scratch / "site"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--disable-pip-version-check", "--target", str(target), str(source)),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return target


def _jumpdsl(installed: Path, *args: str, cwd: Path = ROOT, **env: str):
    environ = {k: v for k, v in os.environ.items() if k != "JUMPDSL_NO_PLUGINS"}
    environ.update(env, PYTHONPATH=os.pathsep.join([str(installed), str(ROOT)]))
    return subprocess.run(
        [sys.executable, "-m", "jumpdsl", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
    )


def test_installed_plugin_loads_by_its_entry_point(installed: Path) -> None:
    done = _jumpdsl(installed, "check", str(SPEC))
    assert done.returncode == 0, done.stderr
    assert "ok: ResNetCBAM" in done.stdout


def test_without_autoloading_the_unknown_op_names_its_plugin(installed: Path) -> None:
    for args, env in (
        (("check", str(SPEC), "--no-plugins"), {}),
        (("check", str(SPEC)), {"JUMPDSL_NO_PLUGINS": "1"}),
    ):
        done = _jumpdsl(installed, *args, **env)
        assert done.returncode == 1, done.stderr
        assert "unknown op or template 'cbam'" in done.stderr
        assert "comes from the plugin 'jumpdsl_cbam.ops' (package jumpdsl-cbam)" in done.stderr
        assert "load it with --plugin jumpdsl_cbam.ops" in done.stderr
    done = _jumpdsl(installed, "--no-plugins", "--plugin", OPS_MODULE, "check", str(SPEC))
    assert done.returncode == 0, done.stderr


def test_exported_source_imports_the_plugins_module_and_runs_without_jumpdsl(
    installed: Path, tmp_path: Path
) -> None:
    target = tmp_path / "resnet_cbam.py"
    done = _jumpdsl(installed, "export", str(SPEC), "-o", str(target), "--seed", "1")
    assert done.returncode == 0, done.stderr
    text = target.read_text(encoding="utf-8")
    assert "import jumpdsl_cbam.modules" in text and "jumpdsl_cbam.modules.CBAM(16, 8, 7)" in text
    assert "Needs torch and jumpdsl_cbam." in text
    code = (
        "import sys, torch, resnet_cbam; m = resnet_cbam.Model().eval(); "
        "print(tuple(m(torch.randn(2, 3, 32, 32)).shape)); "
        "assert not [n for n in sys.modules if n.split('.')[0] == 'jumpdsl'], 'jumpdsl imported'"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(tmp_path)])}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(2, 10)"


def test_summary_counts_frozen_tensors_inside_the_plugins_modules() -> None:
    # the plugin's module nests (cbam1.channel.0.weight): each tensor still has its layer
    import jumpdsl

    model = jumpdsl.load(SPEC, plugins=["jumpdsl_cbam.ops"])
    for name, p in model.named_parameters():
        p.requires_grad_("cbam" not in name)
    frozen = sum(p.numel() for n, p in model.named_parameters() if "cbam" in n)
    summary = jumpdsl.summary(model, depth=None).data
    assert frozen > 0 and summary["non_trainable_params"] == frozen
    by_layer = {layer["name"]: layer["frozen"] for layer in summary["layers"]}
    assert sum(by_layer[name] for name in by_layer if "cbam" in name) == frozen
