"""``jumpdsl zoo``: the models shipped in the package, each with its parameters, MACs and input
as the check computes them (no torch); any verb takes a model by its name."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from jumpdsl.cli.common import EXIT_OK, EXIT_SPEC, add_verb
from jumpdsl.ops.core import format_shape

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_verb(
        sub,
        "zoo",
        "list the model zoo (resnet50, densenet121, …): params, MACs, input",
        "The classic architectures shipped with jumpdsl, each parameter for parameter as its "
        "reference builds it (docs/zoo.md). Every verb and jumpdsl.load() take a model by "
        "its name.",
        [
            "jumpdsl zoo                        # the models, their params, MACs and input",
            "jumpdsl check resnet50             # a model by its name, as any verb takes it",
            "jumpdsl compile resnet18 --set classes=10 --depth 1",
        ],
    )
    p.add_argument(
        "--json", action="store_true", help="the list as one JSON array (default: a table)"
    )
    p.set_defaults(func=run)


def _entry(name: str) -> dict[str, Any] | None:
    from jumpdsl.api import check_file
    from jumpdsl.backends.summary import summarize
    from jumpdsl.zoo import spec_and_params

    result = check_file(*spec_and_params(name), autoload=False)  # the zoo uses no plugin
    if not result.ok or result.graph is None:
        return None
    summary = summarize(result.graph)
    return {
        "name": name,
        "network": summary["name"],
        "params": summary["params"],
        "macs": summary["macs"],
        "input_shape": summary["input_shape"],
        "output_shape": summary["output_shape"],
    }


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.backends.summary import aligned, format_macs
    from jumpdsl.zoo import names

    entries = [_entry(name) for name in names()]
    broken = [name for name, entry in zip(names(), entries, strict=True) if entry is None]
    found = [e for e in entries if e is not None]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2), file=out)
    else:
        rows = [("name", "params", "MACs", "input", "output")]
        rows += [
            (
                e["name"],
                f"{e['params']:,}",
                format_macs(e["macs"]),
                format_shape(tuple(e["input_shape"])),
                format_shape(tuple(e["output_shape"])),
            )
            for e in found
        ]
        for line in aligned(rows, left=(0, 3, 4)):
            print(line, file=out)
        print("\nby name: jumpdsl check resnet50; jumpdsl.load('resnet50') (docs/zoo.md)", file=out)
    for name in broken:  # a model that does not check here (a max-nodes limit, say)
        print(f"jumpdsl zoo: {name} does not check; run 'jumpdsl check {name}'", file=err)
    return EXIT_SPEC if broken else EXIT_OK
