"""Shared helpers: paths, and small specs written inline. The test plugins (tests/plugins) and
the worked plugin (examples/plugins/jumpdsl-cbam/src) are put on the search path, as a user's
plugin would be on PYTHONPATH."""

from __future__ import annotations

import getpass
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"  # JumpNet and the examples
ZOO_SPECS = ROOT / "jumpdsl" / "zoo"  # the model zoo, shipped in the package
ALL_SPECS = sorted(SPECS.glob("*.jnet")) + sorted(ZOO_SPECS.glob("*.jnet"))
PLUGINS = ROOT / "tests" / "plugins"
CBAM = ROOT / "examples" / "plugins" / "jumpdsl-cbam"  # the worked plugin of docs/ops.md
for folder in (PLUGINS, CBAM / "src"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(autouse=True, scope="session")
def _temporary_files_kept_in_pytests_folder(tmp_path_factory):
    """What the code under test writes to the temporary folder (the crash reports of the tests
    that simulate a bug; whatever a subprocess writes there) goes to a folder in pytest's own
    (kept for the last three runs, then removed), never into /tmp itself. torch's compile cache
    stays where torch keeps it: a cache, shared by design, that makes reruns fast."""
    folder = tmp_path_factory.mktemp("tmpdir")
    cache = os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}")
    with pytest.MonkeyPatch.context() as patch:
        if "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
            patch.setenv("TORCHINDUCTOR_CACHE_DIR", cache)
        patch.setattr(tempfile, "tempdir", str(folder))
        patch.setenv("TMPDIR", str(folder))
        yield folder


def spec_file(name: str) -> Path:
    """A spec of specs/ or of the zoo, by file name (``resnet50.jnet``)."""
    return SPECS / name if (SPECS / name).is_file() else ZOO_SPECS / name


def plugins_named(text: str) -> list[str]:
    """The plugins a spec's ``# plugins: MODULE …`` comments name (docs and corpus examples)."""
    return [m for line in re.findall(r"#\s*plugins:\s*(.*)", text) for m in line.split()]


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
