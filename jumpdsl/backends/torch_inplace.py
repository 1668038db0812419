"""In-place ops where it is safe, as careful hand-written models have them (``inplace=True``).

Overwriting an op's input saves one activation-sized allocation per op. The op table says
which ops can (``in_place``: ReLU's ``relu_``) and which outputs may be overwritten
(``fresh``: a new tensor, not a view, whose op's backward does not need it: conv, batch norm,
dense, add and concat). An op works in place where its input is fresh and read by nothing else;
in a module tree (:mod:`jumpdsl.backends.torch_nest`), also only where that input was made in the
op's own module or below it: a module never writes over its input.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from torch import fx

__all__ = ["work_in_place"]


def _fresh_and_private(node: fx.Node, fresh: Collection[str]) -> bool:
    """True when ``node``'s value is a fresh op's output read by one node only."""
    return len(node.users) == 1 and node.meta.get("jumpdsl_node") in fresh


def _made_inside(source: fx.Node, node: fx.Node) -> bool:
    """True when ``source``'s IR node lies in ``node``'s module (its scope path) or below."""
    module = str(node.meta.get("jumpdsl_node", "")).rpartition(".")[0]
    made = str(source.meta.get("jumpdsl_node", ""))
    return not module or made.startswith(module + ".")


def work_in_place(
    graph: fx.Graph,
    fresh: Collection[str],
    in_place: Mapping[str, Callable[..., Any]],
    within_modules: bool = False,
) -> int:
    """Turn each call of an op that ``in_place`` maps (op name → in-place function) into the
    in-place call where its input comes from a ``fresh`` node and only it reads that (and,
    ``within_modules``, was made in the op's module); how many were turned."""
    changed = 0
    for node in graph.nodes:
        function = in_place.get(node.meta.get("jumpdsl_op", ""))
        if node.op != "call_function" or function is None or not node.args:
            continue
        source = node.args[0]
        if not isinstance(source, fx.Node) or not _fresh_and_private(source, fresh):
            continue
        if not within_modules or _made_inside(source, node):
            node.target = function
            changed += 1
    return changed
