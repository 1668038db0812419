"""A plugin whose ops fail, each in another place: the tests check each failure becomes a
diagnostic naming the plugin and the op (JD602), and a refused shape a JD306."""

from __future__ import annotations

from typing import Any

from jumpdsl.plugin import Op, refused, same_shape


def _divide(ins: Any, a: Any) -> Any:
    return (ins[0][0] // 0,)


def _crash(em: Any, xs: Any, a: Any, ins: Any, out: Any) -> Any:
    raise RuntimeError("the builder is broken")


def _picky(ins: Any, a: Any) -> Any:
    raise refused("picky", ins[0], "it takes nothing", "remove it")


def _miscounted(em: Any, xs: Any, a: Any, ins: Any, out: Any) -> Any:
    return em.call(
        em.torch.mul, xs[0], em.method("view", em.parameter("w", (ins[0][0],)), -1, 1, 1)
    )


def _untraceable(em: Any, xs: Any, a: Any, ins: Any, out: Any) -> Any:
    return em.module(em.make("jumpdsl_broken_torch:Branchy"), xs[0])


def _bad_label(a: Any) -> str:
    return a["missing"]  # type: ignore[no-any-return]


OPS = (
    Op("crash_shape", "Its shape rule divides by zero.", _divide, lambda *a: a[1][0]),
    Op("crash_build", "Its builder raises.", same_shape, _crash),
    Op("crash_label", "Its label raises.", same_shape, lambda em, xs, *r: xs[0], label=_bad_label),
    Op(
        "crash_count",
        "Its parameter count raises.",
        same_shape,
        lambda em, xs, *r: xs[0],
        params=lambda ins, out, a: 1 // 0,
    ),
    Op("picky", "Refuses every input.", _picky, lambda em, xs, *r: xs[0]),
    Op("miscounted", "Holds C parameters and says it holds none.", same_shape, _miscounted),
    Op("untraceable", "Decides by its data: torch.export cannot follow.", same_shape, _untraceable),
)
