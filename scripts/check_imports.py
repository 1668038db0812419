"""The package's import rules, checked from the source (no module is imported):

1. no import cycle among jumpdsl's modules, counting imports at module level, inside functions
   and under ``TYPE_CHECKING`` alike;
2. no private name (``_name``) of one jumpdsl module used from another, by ``from m import _x``
   or by ``m._x`` on an imported module;
3. nothing on the check and draw path imports torch, at module level or inside functions.

    python scripts/check_imports.py            # exit 1 and one line per problem, else "ok"

``tests/test_architecture.py`` runs the same checks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jumpdsl"

# The modules `jumpdsl check` and `jumpdsl draw` run: none of them may import torch.
TORCH_FREE = (
    "jumpdsl.api",
    "jumpdsl.diagnostics",
    "jumpdsl.messages",
    "jumpdsl.options",
    "jumpdsl.report",
    "jumpdsl.source",
    "jumpdsl.syntax",
    "jumpdsl.ir",
    "jumpdsl.ops",
    "jumpdsl.plugin",
    "jumpdsl.cli.ops",
    "jumpdsl.lower",
    "jumpdsl.passes",
    "jumpdsl.backends.draw",
    "jumpdsl.backends.graphviz",
    "jumpdsl.backends.tikz",
    "jumpdsl.backends.summary",
    "jumpdsl.backends.memory",
)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int, str | None]]:
    """(imported module, line, imported name or None) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, None
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_package, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:  # `from jumpdsl import diagnostics`: the submodule
                    yield sub, node.lineno, None
                else:
                    yield target, node.lineno, alias.name


def _attribute_uses(path: Path, known: set[str]) -> Iterator[tuple[str, int, str]]:
    """``alias._name`` where ``alias`` is a jumpdsl module imported in this file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known and alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    aliases[alias.asname or alias.name] = sub
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _private(node.attr)
        ):
            yield aliases[node.value.id], node.lineno, node.attr


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def import_graph() -> nx.DiGraph:
    """Module → module edges for every import of one jumpdsl module by another."""
    mods = modules()
    known = set(mods)
    graph = nx.DiGraph()
    graph.add_nodes_from(mods)
    for name, path in mods.items():
        for target, line, _ in _imports(name, path, known):
            if target in known and target != name and not name.startswith(target + "."):
                # A package's own __init__ runs before its modules anyway: not an edge.
                graph.add_edge(name, target, line=line)
    return graph


def cycles() -> list[Problem]:
    graph = import_graph()
    mods = modules()
    problems = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        first = min(component)
        cycle = nx.find_cycle(graph.subgraph(component), first)
        chain = " → ".join([*(u for u, _ in cycle), cycle[0][0]])
        line = graph.edges[cycle[0]]["line"]
        problems.append(Problem(_rel(mods[first]), line, f"import cycle: {chain}"))
    return sorted(problems, key=str)


def private_imports() -> list[Problem]:
    mods = modules()
    known = set(mods)
    problems = []
    for name, path in mods.items():
        for target, line, imported in _imports(name, path, known):
            if target in known and target != name and imported and _private(imported):
                problems.append(Problem(_rel(path), line, f"private name {target}.{imported}"))
        for target, line, attr in _attribute_uses(path, known):
            if target != name:
                problems.append(Problem(_rel(path), line, f"private name {target}.{attr}"))
    return sorted(problems, key=str)


def torch_on_check_path() -> list[Problem]:
    mods = modules()
    known = set(mods)
    problems = []
    for name, path in mods.items():
        if not any(name == p or name.startswith(p + ".") for p in TORCH_FREE):
            continue
        for target, line, _ in _imports(name, path, known):
            if target == "torch" or target.startswith("torch."):
                problems.append(Problem(_rel(path), line, f"{name} imports torch"))
    return sorted(problems, key=str)


def main() -> int:
    problems = [*cycles(), *private_imports(), *torch_on_check_path()]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"ok: {len(modules())} modules, no import cycle, no private import, no torch")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
