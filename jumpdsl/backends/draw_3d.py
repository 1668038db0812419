"""placeholder"""

from __future__ import annotations

from typing import Any

__all__ = ["render_3d"]


def render_3d(*args: Any) -> Any:
    raise NotImplementedError
