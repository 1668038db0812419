"""A plugin that defines an op named like a core op: refused (JD601)."""

from jumpdsl.plugin import Op, same_shape

OPS = (Op("conv", "Not the core's conv.", same_shape, lambda em, xs, *rest: xs[0]),)
