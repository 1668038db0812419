"""How a figure looks: fonts, fills, line widths and the style of each edge kind.

``color`` is for screens and slides. ``paper`` is for print: serif, thin lines, white and light
grey fills, and edge kinds told apart by dash and width rather than colour, so the figure
survives grayscale printing. Every level of every figure uses the same edge styles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["THEMES", "Theme", "theme"]


@dataclass(frozen=True)
class Theme:
    name: str
    font: str
    font_size: float
    line: str  # node and cluster outlines
    penwidth: float
    fills: dict[str, str]  # op name or role (box, path, merge, layer) → fill colour
    edges: dict[str, dict[str, str]]  # edge kind → DOT edge attributes
    cluster_line: str
    cluster_fill: str

    def merge_node(self) -> dict[str, str]:
        """A merge's DOT attributes: a small circle (sized by the font), in the figure and in
        its legend alike."""
        return {
            "shape": "circle",
            "style": "filled",
            "fillcolor": self.fill("merge"),
        }

    def fill(self, role: str, op: str | None = None) -> str:
        if op is not None and op in self.fills:
            return self.fills[op]
        return self.fills.get(role, self.fills["layer"])


_COLOR = Theme(
    name="color",
    font="Helvetica",
    font_size=10.0,
    line="#444444",
    penwidth=1.0,
    fills={
        "layer": "#ffffff",
        "conv": "#dbe9f6",
        "dense": "#fde2c8",
        "bn": "#eeeeee",
        "maxpool": "#e2f0d9",
        "avgpool": "#e2f0d9",
        "gap": "#e2f0d9",
        "box": "#eef3fa",
        "path": "#fbe9e9",
        "merge": "#ffffff",
    },
    edges={
        "flow": {"color": "#333333", "style": "solid", "penwidth": "1.0"},
        "skip": {"color": "#1f77b4", "style": "dashed", "penwidth": "1.4"},
        "jump": {"color": "#d62728", "style": "solid", "penwidth": "2.2"},
    },
    cluster_line="#999999",
    cluster_fill="#ffffff",
)

_PAPER = Theme(
    name="paper",
    font="Times-Roman",
    font_size=10.0,
    line="#000000",
    penwidth=0.6,
    fills={"layer": "#ffffff", "box": "#f0f0f0", "path": "#ffffff", "merge": "#ffffff"},
    edges={
        "flow": {"color": "#000000", "style": "solid", "penwidth": "0.7"},
        "skip": {"color": "#000000", "style": "dashed", "penwidth": "0.7"},
        "jump": {"color": "#555555", "style": "solid", "penwidth": "1.8"},
    },
    cluster_line="#808080",
    cluster_fill="#ffffff",
)

THEMES: dict[str, Theme] = {t.name: t for t in (_COLOR, _PAPER)}


def theme(name: str, font: str | None = None, font_size: float | None = None) -> Theme:
    """The theme called ``name``, with the font and size overridden where given."""
    if name not in THEMES:
        raise ValueError(f"unknown theme '{name}'; use one of {', '.join(THEMES)}")
    chosen = THEMES[name]
    return replace(chosen, font=font or chosen.font, font_size=font_size or chosen.font_size)
