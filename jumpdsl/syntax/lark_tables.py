"""The parser's LALR tables, shipped with the package as plain data (``jnet_tables.json``).

Building the tables from the grammar takes about 0.2 s, as long as the rest of ``jumpdsl
check`` together; loading them takes a few milliseconds. They used to be kept in a pickle under
``~/.cache``, which whoever could write there could make run code at the next check. Now they
ship beside the grammar as JSON (strings, numbers, lists, dicts: data that cannot run), turned
into Lark's objects by Lark's own ``deserialize``, which builds only the classes its namespace
names (no pickle anywhere). Nothing is read from or written to a cache folder. The file is made
at development time::

    python scripts/gen_parser_tables.py          # after editing jnet.lark or upgrading Lark
    python scripts/gen_parser_tables.py --check  # exit 1 when the shipped tables are stale

It records a hash of the grammar and the options and Lark's version; when either differs from
what is running (a grammar edited without regenerating, another Lark), the parser is built
from the grammar instead: slower, never wrong. ``tests/test_lark_tables.py`` fails while the
shipped tables are stale. The tables are renumbered canonically, so the same grammar gives the
same bytes.
"""

from __future__ import annotations

import array
import base64
import hashlib
import json
import sys
from importlib import resources
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

__all__ = ["TABLES_FILE", "load_tables", "shipped_lark", "table_data", "tables_json"]

TABLES_FILE = "jnet_tables.json"


def _key(grammar: str, options: dict[str, Any]) -> str:
    kept = sorted((k, repr(v)) for k, v in options.items())
    return hashlib.sha256(repr((grammar, kept)).encode("utf-8")).hexdigest()


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    """Lark's serialized parse table, renumbered so the same grammar gives the same data:
    Lark numbers states and tokens in the order of sets hashed by object identity. Tokens go
    by name; states in the order a walk from the start states (by name) meets them, each
    state's actions taken by token name."""
    names = table["tokens"]
    token = {old: new for new, old in enumerate(sorted(names, key=lambda t: names[t]))}
    states = table["states"]
    number: dict[int, int] = {}
    walk = [table["start_states"][s] for s in sorted(table["start_states"])]
    while walk:
        state = walk.pop(0)
        if state in number:
            continue
        number[state] = len(number)
        for tok in sorted(states[state], key=lambda t: names[t]):
            action, arg = states[state][tok]
            if action == 0:  # a shift: arg is the next state
                walk.append(arg)
    for state in states:  # unreachable ones, if any, after the rest
        number.setdefault(state, len(number))

    def actions(old: dict[int, Any]) -> dict[int, Any]:
        moved = {token[t]: (a, number[arg] if a == 0 else arg) for t, (a, arg) in old.items()}
        return dict(sorted(moved.items()))

    return {
        **table,
        "tokens": {token[t]: name for t, name in sorted(names.items(), key=lambda i: token[i[0]])},
        "states": dict(sorted((number[s], actions(a)) for s, a in states.items())),
        "start_states": {k: number[v] for k, v in sorted(table["start_states"].items())},
        "end_states": {k: number[v] for k, v in sorted(table["end_states"].items())},
    }


def _pack(table: dict[str, Any]) -> dict[str, Any]:
    """A canonical parse table in few JSON values: the token names as a list, and every
    state's actions as one base64 string of little-endian 16-bit numbers (per state: the
    count, then (token, action, argument) triples, a reduction's rule by its memo number).
    The actions are a third of the file; as JSON numbers they took most of the loading time."""
    numbers = array.array("H")
    for actions in table["states"].values():
        numbers.append(len(actions))
        for tok, (a, arg) in actions.items():
            numbers.extend((tok, a, arg["@"] if a else arg))
    if sys.byteorder == "big":
        numbers.byteswap()
    states = base64.b64encode(numbers.tobytes()).decode("ascii")
    return {**table, "tokens": list(table["tokens"].values()), "states": states}


def _unpack(packed: dict[str, Any]) -> dict[str, Any]:
    numbers = array.array("H", base64.b64decode(packed["states"]))
    if sys.byteorder == "big":
        numbers.byteswap()
    states: dict[int, dict[int, Any]] = {}
    at = 0
    while at < len(numbers):
        end = at + 1 + 3 * numbers[at]
        row = numbers[at + 1 : end]
        states[len(states)] = {
            row[i]: (1, {"@": row[i + 2]}) if row[i + 1] else (0, row[i + 2])
            for i in range(0, len(row), 3)
        }
        at = end
    return {**packed, "tokens": dict(enumerate(packed["tokens"])), "states": states}


def table_data(grammar: str, **options: Any) -> dict[str, Any]:
    """The tables of ``Lark(grammar, parser="lalr", **options)`` as JSON-ready data, with the
    key (grammar and options) and Lark version they were made for."""
    parser = Lark(grammar, parser="lalr", **options)
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    frontend = data["parser"]
    data = {**data, "parser": {**frontend, "parser": _pack(_canonical(frontend["parser"]))}}
    # the memo (terminals and rules, by number) is numbered 0, 1, …: a list in JSON
    assert list(memo) == list(range(len(memo)))
    return {
        "key": _key(grammar, options),
        "lark": lark.__version__,
        "data": data,
        "memo": list(memo.values()),
    }


def tables_json(grammar: str, **options: Any) -> str:
    """The text of ``jnet_tables.json``: sorted keys, one line, so the same grammar gives the
    same bytes."""
    tables = table_data(grammar, **options)
    return json.dumps(tables, sort_keys=True, separators=(",", ":")) + "\n"


def load_tables(text: str, grammar: str, **options: Any) -> Lark | None:
    """A parser from the tables in ``text`` (the file's JSON), or None when they were made for
    another grammar, other options or another Lark."""
    tables = json.loads(text)
    if tables.get("key") != _key(grammar, options) or tables.get("lark") != lark.__version__:
        return None
    data = tables["data"]
    frontend = data["parser"]
    data = {**data, "parser": {**frontend, "parser": _unpack(frontend["parser"])}}
    return Lark.load({"data": data, "memo": dict(enumerate(tables["memo"]))})


def shipped_lark(grammar: str, **options: Any) -> Lark:
    """``Lark(grammar, parser="lalr", **options)``, from the tables shipped in the package when
    they fit, else built.

    >>> parser = shipped_lark('start: "a"+', propagate_positions=True)  # not shipped: built
    >>> parser.options.propagate_positions, len(parser.parse("aaa").children)
    (True, 0)
    """
    try:
        text = resources.files("jumpdsl.syntax").joinpath(TABLES_FILE).read_text("utf-8")
        shipped = load_tables(text, grammar, **options)
    except (OSError, ValueError, LookupError, TypeError):  # missing or damaged: build instead
        shipped = None
    return shipped or Lark(grammar, parser="lalr", **options)
