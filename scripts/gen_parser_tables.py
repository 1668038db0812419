"""Regenerate the parser tables shipped in the package (jumpdsl/syntax/jnet_tables.json) from
the grammar (jumpdsl/syntax/jnet.lark): run it after editing the grammar or upgrading Lark.

python scripts/gen_parser_tables.py          # rewrite the tables
python scripts/gen_parser_tables.py --check  # exit 1 when the shipped tables are stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from jumpdsl.syntax.lark_tables import TABLES_FILE, tables_json
from jumpdsl.syntax.parser import LARK_OPTIONS, grammar_text

TABLES = Path(__file__).resolve().parent.parent / "jumpdsl" / "syntax" / TABLES_FILE


def main(argv: list[str]) -> int:
    text = tables_json(grammar_text(), **LARK_OPTIONS)
    if "--check" in argv:
        current = TABLES.read_text(encoding="utf-8") if TABLES.exists() else ""
        if current != text:
            print(f"{TABLES} is stale: run python scripts/gen_parser_tables.py", file=sys.stderr)
            return 1
        return 0
    TABLES.write_text(text, encoding="utf-8")
    print(f"wrote {TABLES} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
