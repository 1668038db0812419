"""Node sizes from the real font's glyph widths: each box just big enough for its text, so
the text fits whichever Graphviz lays the figure out. Sizes, gaps and margins all follow the
font size, so a figure drawn at a smaller size is the same figure, smaller. No torch here.
"""

from __future__ import annotations

from jumpdsl.backends.draw_fonts import LINE_HEIGHT, Font

__all__ = ["SMALL", "Sizer", "inches"]

SMALL = 0.9  # shape labels and the legend, in font sizes: the smallest text of a figure


def inches(points: float) -> str:
    return f"{points / 72:.4f}"


class Sizer:
    """Node sizes from the font's widths: boxes just big enough for their text."""

    def __init__(self, font: Font, size: float) -> None:
        self.font, self.size, self.small = font, size, round(size * SMALL, 2)

    def box(self, label: str, *, size: float | None = None, pad: float = 1.0) -> dict[str, str]:
        """``width``, ``height`` (inches) and ``fixedsize`` for a box holding ``label``."""
        size = size or self.size
        lines = label.split("\\n")
        text = max(self.font.width(line.replace("\\\\", "\\"), size) for line in lines)
        width = text * 1.04 + 2 * 0.55 * size * pad
        height = len(lines) * size * LINE_HEIGHT + 2 * 0.3 * size * pad
        return {"width": inches(width), "height": inches(height), "fixedsize": "true"}

    def text(self, label: str, *, size: float | None = None) -> dict[str, str]:
        """A plaintext node: the text and a hair around it."""
        return {**self.box(label, size=size, pad=0.45), "shape": "plaintext", "margin": "0"}

    def circle(self) -> dict[str, str]:
        side = inches(self.size * 1.7)
        return {"width": side, "height": side, "fixedsize": "true"}

    @property
    def gap(self) -> float:
        """The space between ranks, in points."""
        return 1.9 * self.size
