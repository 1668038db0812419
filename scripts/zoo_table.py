"""Write the zoo table of docs/zoo.md (between its `<!-- zoo-table -->` markers): for every zoo
name and the specs/ JumpNets, the spec file and its --set, the trainable parameters and MACs,
torchvision's parameters, the worst relative layer difference of the layer-by-layer comparison
(scripts/torchvision_equivalence.py) and the spec's lines.

Run with the environment that has torchvision, from the repository root (a few minutes: every
model is built twice and run once):

    /work/tvenv/bin/python scripts/zoo_table.py            # rewrite the table in docs/zoo.md
    /work/tvenv/bin/python scripts/zoo_table.py --print    # print it instead
    /work/tvenv/bin/python scripts/zoo_table.py resnet50   # only these rows (with --print)

Exits 1 when a model's parameters differ from torchvision's or a layer is over 1e-5.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the equivalence script, beside this
from torchvision_equivalence import KWARGS, ROOT, compare

from jumpdsl.api import check_file
from jumpdsl.backends.summary import summarize
from jumpdsl.zoo import VARIANTS, names, spec_and_params

DOC = ROOT / "docs" / "zoo.md"
BEGIN, END = "<!-- zoo-table -->", "<!-- /zoo-table -->"

# specs of the repository beside the zoo: (row name, file, parameters)
OTHERS: list[tuple[str, str, dict[str, Any]]] = [
    ("jumpnet", "specs/jumpnet.jnet", {}),
    ("jumpnet (narrow)", "specs/jumpnet.jnet", {"bias": False, "reduction": 2}),
    ("jumpnet50", "specs/jumpnet50.jnet", {}),
    ("jumpnet101", "specs/jumpnet101.jnet", {}),
    ("jumpnet152", "specs/jumpnet152.jnet", {}),
]

HEADER = [
    "| name | spec | --set | params | torchvision params | max rel. layer diff | MACs | lines |",
    "|---|---|---|---:|---:|---:|---:|---:|",
]


def _settings(values: dict[str, Any]) -> str:
    def shown(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value).replace(" ", "")

    def option(key: str, value: Any) -> str:
        text = f"{key}={shown(value)}"
        return f'--set "{text}"' if "[" in text or "(" in text else f"--set {text}"  # the shell's

    return " ".join(option(k, v) for k, v in values.items())


def row(name: str, spec: Path, values: dict[str, Any]) -> tuple[str, bool]:
    """One row of the table, and whether the model is torchvision's to the layer."""
    summary = summarize(check_file(spec, values or None).raise_for_errors())
    theirs, diff, ok = "—", "—", True
    if name in torchvision.models.list_models():
        torch.manual_seed(0)
        found = compare(spec, name, values, KWARGS.get(name, {}))
        layer = found.worst_layer
        worst = max(layer.difference if layer else 0.0, found.worst_output)
        theirs, diff, ok = f"{found.params_theirs:,}", f"{worst:.2g}", found.ok
        ok = ok and found.params_theirs == summary["params"]
    where = spec.resolve().relative_to(ROOT).as_posix()
    lines = len(spec.read_text(encoding="utf-8").splitlines())
    settings = _settings(values)
    cells = [
        f"`{name}`",
        f"`{where}`",
        f"`{settings}`" if settings else "",
        f"{summary['params']:,}",
        theirs,
        diff,
        f"{summary['macs'] / 1e9:.3f} G",
        str(lines),
    ]
    return "| " + " | ".join(cells) + " |", ok


def rows(wanted: list[str]) -> tuple[list[str], bool]:
    jobs = [(n, *spec_and_params(n)) for n in names()]
    jobs += [(n, ROOT / path, values) for n, path, values in OTHERS]
    table, ok = list(HEADER), True
    for name, spec, values in jobs:
        if wanted and name not in wanted:
            continue
        line, fine = row(name, spec, values)
        print(line, file=sys.stderr, flush=True)
        table.append(line)
        ok &= fine
    return table, ok


def written(doc: str, table: list[str]) -> str:
    """``doc`` with the table between the markers replaced."""
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    return doc[:start] + "\n" + "\n".join(table) + "\n" + doc[end:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these rows")
    parser.add_argument("--print", action="store_true", help="print the table, write nothing")
    args = parser.parse_args(argv)
    if args.names and not args.print:
        parser.error("a partial table is only printed: add --print")
    unknown = set(args.names) - set(names()) - {n for n, _, _ in OTHERS}
    if unknown:
        parser.error(f"not a zoo name: {', '.join(sorted(unknown))} (known: {', '.join(VARIANTS)})")
    table, ok = rows(args.names)
    if args.print:
        print("\n".join(table))
    else:
        DOC.write_text(written(DOC.read_text(encoding="utf-8"), table), encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
