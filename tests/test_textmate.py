"""The VS Code extension's TextMate grammar, tested on every spec and standard-library file by
its node test (editors/vscode/test/grammar.test.js, vscode-textmate with oniguruma): keywords,
numbers, sizes such as 3x3, strings and comments scoped as they should be, nothing left
unscoped. Runs where node and the extension's packages are (scripts/setup.sh installs them)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import ROOT

EXTENSION = ROOT / "editors" / "vscode"


def test_textmate_grammar_on_every_spec_and_stdlib_file() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (EXTENSION / "node_modules" / "vscode-textmate").is_dir():
        pytest.skip("run 'npm ci' in editors/vscode (scripts/setup.sh does)")
    result = subprocess.run(
        [node, "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 2" in result.stdout and "# fail 0" in result.stdout


def test_extension_manifest_wires_the_grammar_and_the_server() -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    assert language["extensions"] == [".jnet"]
    assert (EXTENSION / language["configuration"]).is_file()
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar["scopeName"] == "source.jnet" and (EXTENSION / grammar["path"]).is_file()
    server = manifest["contributes"]["configuration"]["properties"]["jumpdsl.server.command"]
    assert server["default"] == ["jumpdsl", "lsp"]
    assert "vscode-languageclient" in manifest["dependencies"]
    assert 'get("server.command"' in (EXTENSION / "extension.js").read_text(encoding="utf-8")
