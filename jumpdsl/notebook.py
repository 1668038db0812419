"""What a notebook calls (through :mod:`jumpdsl`): a spec given any way a user holds it made
into its checked graph, a figure that shows itself inline and saves, a summary that prints as
a table. No torch here unless a summary is given a module.

>>> figure = Drawing(graph_of("network T { input [3, 8, 8] task { gap dense(2) } }"))
>>> figure._repr_svg_().lstrip().startswith("<?xml")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jumpdsl.api import Checked, check_file, check_text
from jumpdsl.backends.draw import DrawOptions, draw
from jumpdsl.backends.summary import format_summary, summarize, with_module_counts
from jumpdsl.ir.graph import Graph
from jumpdsl.options import DRAW_FORMATS
from jumpdsl.zoo import spec_and_params

__all__ = ["Drawing", "Spec", "Summary", "graph_of", "is_spec_text"]

Spec = str | Path | Checked | Graph


def is_spec_text(spec: str) -> bool:
    """Whether a string is a spec's text rather than a path or a zoo name: it has a brace or
    a line break, which neither of those has."""
    return "{" in spec or "\n" in spec


def graph_of(
    spec: Spec, *, plugins: Sequence[str] = (), params: Mapping[str, Any] | None = None
) -> Graph:
    """The checked graph of a spec given as a path, a zoo model's name, the spec's text, a
    :class:`Checked` result or a graph; :class:`~jumpdsl.diagnostics.JumpdslError` on errors."""
    if isinstance(spec, Graph):
        return spec
    if isinstance(spec, Checked):
        return spec.raise_for_errors()
    if isinstance(spec, str) and is_spec_text(spec):
        return check_text(spec, params=params, plugins=plugins).raise_for_errors()
    return check_file(*spec_and_params(spec, params), plugins=plugins).raise_for_errors()


@dataclass(frozen=True)
class Drawing:
    """A figure of a network: inline in Jupyter (``_repr_svg_``), ``.svg`` its text,
    ``.save(path)`` writes it in the format the suffix names (svg, pdf, png, dot, tex)."""

    graph: Graph
    options: DrawOptions = field(default_factory=DrawOptions)

    @cached_property
    def svg(self) -> str:
        return draw(self.graph, "svg", self.options).decode("utf-8")

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        """Write the figure to ``path`` (atomically, never over the spec it shows)."""
        from jumpdsl.fileio import write_atomic

        target = Path(path)
        fmt = target.suffix.lstrip(".").lower()
        if fmt not in DRAW_FORMATS:
            raise ValueError(
                f"{target}: the suffix picks the format, one of .{', .'.join(DRAW_FORMATS)}"
            )
        data = self.svg.encode("utf-8") if fmt == "svg" else draw(self.graph, fmt, self.options)
        write_atomic(target, data, inputs=[self.graph.source] if self.graph.source else [])
        return target


@dataclass(frozen=True)
class Summary:
    """A network's summary, like torchinfo's and Keras's: ``str()`` the table (totals first,
    rows collapsed to ``depth`` with subtotals), ``data`` every layer as JSON-ready values."""

    data: dict[str, Any]
    depth: int | None = 2
    brief: bool = False

    @classmethod
    def of(
        cls,
        graph: Graph,
        module: Any = None,
        *,
        depth: int | None = 2,
        batch_size: int = 1,
        brief: bool = False,
    ) -> Summary:
        data = summarize(graph, batch_size=batch_size)
        if module is not None:
            data = with_module_counts(data, module)
        return cls(data, depth, brief)

    def __str__(self) -> str:
        return format_summary(self.data, self.depth, self.brief)

    def __repr__(self) -> str:  # a notebook cell's last value shows the table
        return str(self)

    @property
    def params(self) -> int:
        return int(self.data["params"])

    @property
    def macs(self) -> int:
        return int(self.data["macs"])
