"""The docs describe what exists: every ```jnet block checks, the op table is current."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT, plugins_named
from jumpdsl.api import check_text

DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^```(jnet(?:-error)?)\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[str, str, str]]:
    found = []
    for doc in DOCS:
        for index, match in enumerate(FENCE.finditer(doc.read_text(encoding="utf-8"))):
            found.append((f"{doc.name}#{index + 1}", match.group(1), match.group(2)))
    return found


@pytest.mark.parametrize(("where", "kind", "text"), _blocks(), ids=[b[0] for b in _blocks()])
def test_jnet_examples_in_docs(where: str, kind: str, text: str) -> None:
    # A `# plugins: MODULE …` line loads plugins (tests/plugins, the worked CBAM plugin).
    result = check_text(text, path=where, plugins=plugins_named(text), autoload=False)
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    if kind == "jnet":
        assert result.ok, [d.message for d in errors]
    else:  # a jnet-error block names its expected code in a comment: # error: JD301
        expected = re.findall(r"#\s*error:\s*(JD\d{3})", text)
        assert expected and {d.code for d in errors} == set(expected)


def test_op_table_in_docs_is_current() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/gen_docs.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_every_op_documents_its_shape_rule() -> None:
    from jumpdsl.ops import CORE

    missing = [name for name, spec in CORE.items() if not (spec.doc and spec.shape_doc)]
    assert not missing, f"give these ops doc= and shape_doc= in jumpdsl/ops/: {missing}"
