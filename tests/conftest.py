"""Shared helpers: paths, and small specs written inline."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
ALL_SPECS = sorted(SPECS.glob("*.jnet"))


def net(body: str, *, input: str = "[3, 16, 16]", params: str = "", head: str = "") -> str:
    """A one-network spec: ``head`` holds templates, ``body`` the sections."""
    signature = f"({params})" if params else ""
    return f"network T{signature} {{\n    input {input}\n{head}\n{body}\n}}\n"


@pytest.fixture
def tmp_spec(tmp_path: Path):
    """Write a spec into a temporary folder and return its path."""

    def write(text: str, name: str = "t.jnet") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
