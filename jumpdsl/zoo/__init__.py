"""The model zoo: classic architectures as ``.jnet`` files shipped in the package, each
parameter for parameter its reference's (docs/zoo.md). A bare name (``resnet50``) that is
not a file names one of them; no torch here.

>>> "resnet50" in names()
True
>>> spec_path("resnet50").name, spec_path("specs/mine.jnet").as_posix()
('resnet50.jnet', 'specs/mine.jnet')
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["ZOO", "is_zoo_name", "names", "spec_path"]

ZOO = Path(__file__).resolve().parent


def names() -> list[str]:
    """The zoo's models, by name, in natural order (resnet18 before resnet101)."""
    return sorted((p.stem for p in ZOO.glob("*.jnet")), key=_natural)


def _natural(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)]


def is_zoo_name(spec: str | Path) -> bool:
    """Whether ``spec`` names a zoo model: a bare word (no folder, no suffix) that is not a
    file here and is one of :func:`names`."""
    text = str(spec)
    bare = Path(text).name == text and not Path(text).suffix
    return bare and not Path(text).exists() and (ZOO / f"{text}.jnet").is_file()


def spec_path(spec: str | Path) -> Path:
    """The file a spec argument means: a zoo model's file for its bare name, else the path."""
    return ZOO / f"{spec}.jnet" if is_zoo_name(spec) else Path(spec)
