"""The ops: one entry (:class:`~jumpdsl.ops.core.Op`) per op, grouped by family, and the core
table (:data:`CORE`) they make. Plugins add ops of their own (:mod:`jumpdsl.plugin`); a
check's table is the core's and the plugins' (:mod:`jumpdsl.ops.loading`).

- :mod:`~jumpdsl.ops.core`: the entry and its parts (attributes, shape errors, the emitter a
  builder uses, examples); :mod:`~jumpdsl.ops.attrs`, :mod:`~jumpdsl.ops.rules` and
  :mod:`~jumpdsl.ops.init`: attribute checkers, shape helpers, initialisation schemes;
- the families: :mod:`~jumpdsl.ops.conv`, :mod:`~jumpdsl.ops.norm`,
  :mod:`~jumpdsl.ops.activation`, :mod:`~jumpdsl.ops.dense`, :mod:`~jumpdsl.ops.pool`,
  :mod:`~jumpdsl.ops.resize`, :mod:`~jumpdsl.ops.merge`, :mod:`~jumpdsl.ops.channel`,
  :mod:`~jumpdsl.ops.tokens`; each
  module's ``OPS`` is its entries, in the order the docs list them.

Adding an op to the core is adding its entry to a family's ``OPS``. Nothing here imports torch.

>>> conv = CORE["conv"]
>>> attrs = conv.defaults() | {"filters": 64, "kernel": (3, 3)}
>>> conv.shape([(32, 16, 16)], {**attrs, "stride": (2, 2)})
(64, 8, 8)
>>> conv.params([(32, 16, 16)], (64, 16, 16), attrs)
18496
"""

from __future__ import annotations

from jumpdsl.ops import activation, channel, conv, dense, merge, norm, pool, resize, tokens
from jumpdsl.ops.table import OpTable

__all__ = ["CORE", "FAMILIES"]

FAMILIES = (conv, norm, activation, dense, pool, resize, merge, channel, tokens)

CORE = OpTable(op for family in FAMILIES for op in family.OPS)
