"""``jumpdsl ops``: the ops a spec can use here, the core's and the plugins' (``--plugin``, and
the installed packages' unless ``--no-plugins``), with their attributes."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from jumpdsl.cli.common import EXIT_OK, UsageError, add_verb, plugins
from jumpdsl.ops.attrs import describe
from jumpdsl.ops.core import REQUIRED, Op
from jumpdsl.ops.loading import PluginError, op_table
from jumpdsl.ops.table import OpTable

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_verb(
        sub,
        "ops",
        "list the ops a spec can use, with plugins",
        "List the ops a spec can use here, the core's and the plugins' (--plugin, and "
        "installed packages unless --no-plugins), each with its attributes and defaults.",
        [
            "jumpdsl ops                       # every op, one line each",
            "jumpdsl ops conv bn               # only these",
            "jumpdsl --plugin jumpdsl_cbam.ops ops cbam --json",
        ],
    )
    p.add_argument("names", nargs="*", metavar="OP", help="only these ops")
    p.add_argument("--json", action="store_true", help="the ops as one JSON list")
    p.set_defaults(func=run)


def _attr(op: Op, name: str) -> str:
    attr = op.attr_index[name]
    if attr.default is REQUIRED:
        return attr.name
    return f"{attr.name}={attr.default_doc or describe(attr.default)}"


def _entry(table: OpTable, op: Op) -> dict[str, Any]:
    origin = table.origin(op.name)
    return {
        "name": op.name,
        "plugin": None if origin is None else origin.module,
        "package": None if origin is None else origin.dist,
        "merge": op.merge,
        "attrs": [_attr(op, a.name) for a in op.attrs],
        "shape": op.shape_doc,
        "doc": op.doc,
    }


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        table = op_table(plugins(args), autoload=False if args.no_plugins else None)
    except PluginError as exc:
        raise UsageError(str(exc)) from None
    unknown = [n for n in args.names if n not in table and n not in table.unloaded]
    if unknown:
        raise UsageError(f"no op {', '.join(unknown)} here (jumpdsl ops lists them all)")
    chosen = [table[n] for n in (args.names or table) if n in table]
    entries = [_entry(table, op) for op in chosen]
    missing = {n: u for n, u in table.unloaded.items() if not args.names or n in args.names}
    if args.json:
        gone = [
            {"name": n, "plugin": u.plugin.module, "package": u.plugin.dist, "reason": u.reason}
            for n, u in missing.items()
        ]
        print(json.dumps({"ops": entries, "not_loaded": gone}, indent=2), file=out)
        return EXIT_OK
    width = max((len(e["name"]) for e in entries), default=0)
    for e in entries:
        where = "core" if e["plugin"] is None else f"plugin {e['plugin']}"
        kind = ", merge" if e["merge"] else ""
        print(f"{e['name']:<{width}}  {where}{kind}: {e['doc']}", file=out)
        if e["attrs"]:
            print(f"{'':<{width}}  ({', '.join(e['attrs'])})", file=out)
    for name, unloaded in missing.items():
        print(f"{name}: not loaded, {unloaded.plugin.describe()} {unloaded.reason}", file=err)
    return EXIT_OK
