"""The public API for writing ops outside jumpdsl: everything a plugin module needs.

A plugin is a Python module with a tuple ``OPS`` of :class:`Op` entries. Load it with
``jumpdsl --plugin MODULE VERB …``, ``jumpdsl.check(path, plugins=["MODULE"])``, or install a
package that names each op as an entry point in the group ``jumpdsl.ops``::

    [project.entry-points."jumpdsl.ops"]
    cbam = "jumpdsl_cbam"

docs/ops.md explains the entry's fields and walks through a complete plugin
(``examples/plugins/jumpdsl-cbam``). A plugin's op module should not import torch at its top
(``jumpdsl check`` and ``draw`` stay fast without it): a builder gets ``em.torch``, ``em.nn``
and ``em.F``, and a module class of the plugin's own is named by its import path,
``em.make("package.module:Class", ...)``, so that ``jumpdsl export`` can import it too.

>>> def rule(ins, a):
...     need_map("shuffle2", ins[0])
...     if ins[0][0] % 2:
...         raise refused("shuffle2", ins[0], "the channels must be even")
...     return ins[0]
>>> op = Op("shuffle2", "Swap channel halves.", rule, lambda em, xs, a, ins, out: xs[0])
>>> op.shape([(4, 8, 8)], {})
(4, 8, 8)
>>> rule([(3, 8, 8)], {})
Traceback (most recent call last):
jumpdsl.ops.core.ShapeError: JD306
"""

from __future__ import annotations

from jumpdsl import messages
from jumpdsl.ops.attrs import (
    SIZE_DOC,
    boolean,
    choice,
    number,
    optional,
    padding,
    positive_int,
    probability,
    size,
    stride_attr,
)
from jumpdsl.ops.core import (
    REQUIRED,
    Attr,
    AttrError,
    Attrs,
    Emitter,
    Example,
    Op,
    Shape,
    ShapeError,
    format_shape,
    same_shape,
    zero,
)
from jumpdsl.ops.init import AUTO, TORCH, init_checker
from jumpdsl.ops.rules import (
    channels,
    need_map,
    need_tokens,
    need_vector,
    padding_pair,
    window_label,
    window_out,
)

__all__ = [
    "AUTO",
    "REQUIRED",
    "SIZE_DOC",
    "TORCH",
    "Attr",
    "AttrError",
    "Attrs",
    "Emitter",
    "Example",
    "Op",
    "Shape",
    "ShapeError",
    "boolean",
    "channels",
    "choice",
    "format_shape",
    "init_checker",
    "need_map",
    "need_tokens",
    "need_vector",
    "number",
    "optional",
    "padding",
    "padding_pair",
    "positive_int",
    "probability",
    "refused",
    "same_shape",
    "size",
    "stride_attr",
    "window_label",
    "window_out",
    "zero",
]


def refused(op: str, shape: Shape, reason: str, hint: str | None = None) -> ShapeError:
    """The error a shape rule raises when ``op`` cannot take an input of ``shape``, for the
    ``reason`` given in words (JD306); ``hint`` says how to fix the spec."""
    return ShapeError(messages.SHAPE_REFUSED, hint, op=op, shape=format_shape(shape), reason=reason)
