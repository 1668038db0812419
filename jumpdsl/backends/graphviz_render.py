"""DOT text → the bytes of a figure: svg, pdf, png or json (the layout the TikZ writer reads).

Two Graphviz engines: the system's ``dot`` program (every format), and the embedded one, the
``graphviz-pure`` package (a pure-Rust port of Graphviz 16.1, installed with jumpdsl: svg, png
and json, not pdf yet). ``auto`` takes the system's where it is installed. Outputs are
byte-identical from run to run. No torch here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from jumpdsl.options import DRAW_FORMATS

__all__ = [
    "EMBEDDED_FORMATS",
    "FORMATS",
    "DrawError",
    "embedded_program",
    "have_system_dot",
    "layout",
    "render",
    "use_system",
]

FORMATS = DRAW_FORMATS
EMBEDDED_FORMATS = ("svg", "png", "json")

_INSTALL = "install the 'graphviz' system package (apt-get install graphviz, brew install graphviz "
_INSTALL += "or conda install graphviz)"
# cairo stamps PDFs with the time; a fixed stamp of the same length keeps the xref offsets valid.
_PDF_DATE = re.compile(rb"/CreationDate \(D:\d{14}")
_FIXED_DATE = b"/CreationDate (D:20000101000000"
_EMBEDDED = "graphviz-pure"


class DrawError(Exception):
    """A figure that cannot be rendered here; the message says what to install."""


def have_system_dot() -> bool:
    return shutil.which("dot") is not None


def use_system(system_dot: bool | None) -> bool:
    """Whether the system's ``dot`` renders: forced (True), forbidden (False) or where found."""
    return have_system_dot() if system_dot is None else system_dot


def embedded_program() -> str | None:
    """The embedded engine's program: on PATH, or beside this Python's own scripts."""
    found = shutil.which(_EMBEDDED)
    if found is not None:
        return found
    beside = Path(sysconfig.get_path("scripts")) / _EMBEDDED
    return str(beside) if beside.is_file() else None


def render(
    source: str, fmt: str, *, system_dot: bool | None = None, dpi: float | None = None
) -> bytes:
    """Render DOT ``source`` to ``fmt`` (svg, pdf, png, json). ``system_dot`` forces (True) or
    forbids (False) the ``dot`` program; by default it is used when installed. ``dpi``
    scales PNG output."""
    extra = [f"-Gdpi={dpi:g}"] if dpi and fmt == "png" else []
    if use_system(system_dot):
        data = _run(_system_program(), source, fmt, extra)
        return _PDF_DATE.sub(_FIXED_DATE, data) if fmt == "pdf" else data
    if fmt not in EMBEDDED_FORMATS:
        raise DrawError(
            f".{fmt} needs Graphviz's 'dot' program (the embedded Graphviz makes .svg, .png "
            f"and .tex); {_INSTALL}, or draw to .svg, .png, .tex or .dot"
        )
    program = embedded_program()
    if program is None:
        raise DrawError(
            f"no Graphviz here: {_INSTALL}, or 'pip install graphviz-pure' (the embedded one)"
        )
    return _run(program, source, fmt, extra)


def layout(source: str, *, system_dot: bool | None = None) -> dict[str, Any]:
    """Graphviz's own layout of ``source`` (``-Tjson``: positions and drawing operations)."""
    return json.loads(render(source, "json", system_dot=system_dot))  # type: ignore[no-any-return]


def _system_program() -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise DrawError(f"Graphviz's 'dot' program is not installed; {_INSTALL}")
    return dot


# Graphviz's network simplex gives up on some graphs whose nodes are tied into `group`s (a
# straight column per group) across many clusters: "trouble in init_rank" (EfficientNetV2 at
# depth 3). The groups are a hint; the same drawing without them lays out.
_INIT_RANK = "trouble in init_rank"
# Its spline router gives up on some layouts too (the Inception specs' branch arms at depth 3):
# "triangulation failed", "Pshortestpath failed", "lost A B edge". Straight edges then.
_ROUTING = re.compile(r"triangulation failed|Pshortestpath failed|\blost \S+ \S+ edge")
_GROUP_ATTRIBUTE = re.compile(r' group=(?:"[^"\n]*"|[^\s\],;]+)')


def _run(program: str, source: str, fmt: str, extra: list[str]) -> bytes:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}

    def run(text: str, options: list[str]) -> subprocess.CompletedProcess[bytes]:
        command = [program, f"-T{fmt}", *options, *extra]
        return subprocess.run(command, input=text.encode("utf-8"), capture_output=True, env=env)

    done = run(source, [])
    if done.returncode != 0 and _INIT_RANK in done.stderr.decode("utf-8", "replace"):
        # and polylines: the spline router fails more often on the same graphs without groups
        source = _GROUP_ATTRIBUTE.sub("", source)
        done = run(source, ["-Gsplines=polyline"])
    if done.returncode != 0 and _ROUTING.search(done.stderr.decode("utf-8", "replace")):
        done = run(source, ["-Gsplines=line"])  # straight edges need no routing
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise DrawError(f"Graphviz ({Path(program).name}) failed: {message}")
    return done.stdout
