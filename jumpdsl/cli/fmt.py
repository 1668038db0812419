"""``jumpdsl fmt``: rewrite specs in canonical form, comments kept (``--check`` for CI)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from jumpdsl.api import Checked, check_source_text
from jumpdsl.cli.common import EXIT_OK, EXIT_SPEC, EXIT_USAGE, UsageError, add_verb, report
from jumpdsl.report import render_text

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    fmt = add_verb(
        sub,
        "fmt",
        "rewrite specs in canonical form (comments kept)",
        "Rewrite specs in the one canonical layout, comments kept; a file is only rewritten "
        "when the result means the same network. --check changes nothing (for CI).",
        [
            "jumpdsl fmt specs/mine.jnet          # rewrite one file in place",
            "jumpdsl fmt --check specs/           # exit 1 if a file below specs/ would change",
            "cat mine.jnet | jumpdsl fmt -        # stdin to stdout",
        ],
    )
    fmt.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="files or folders of .jnet files; '-' reads stdin, writes stdout",
    )
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a file would change"
    )
    fmt.add_argument(
        "--force", action="store_true", help="rewrite read-only files too (their mode is kept)"
    )
    fmt.set_defaults(func=run)


def _paths(names: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        paths += sorted(path.rglob("*.jnet")) if path.is_dir() else [path]
    return paths


def _stdin(out: TextIO, err: TextIO) -> int:
    from jumpdsl.fileio import TooLargeError, read_stream_bounded
    from jumpdsl.formatting import format_source
    from jumpdsl.source import SourceDecodeError, SourceFile, decode_source

    try:
        text = decode_source(read_stream_bounded(sys.stdin.buffer))
    except SourceDecodeError as exc:
        raise UsageError(f"<stdin>: {exc}") from None
    except TooLargeError as exc:  # `fmt - < /dev/zero` reads 1 MiB and a byte, not 8 GB
        raise UsageError(f"<stdin>: the input is {exc}; a spec is at most that") from None
    result = format_source(SourceFile("<stdin>", text))
    if result.text is None:
        print(render_text(result.diagnostics, {"<stdin>": SourceFile("<stdin>", text)}), file=err)
        return EXIT_SPEC
    out.write(result.text)
    return EXIT_OK


def _write(path: Path, text: str, force: bool, err: TextIO) -> bool:
    """Rewrite one file, keeping its identity (symlink, mode, owner, hard links); a file that
    cannot be written is one sentence on stderr, and False."""
    from jumpdsl.fileio import ReadOnlyFileError, rewrite

    try:
        rewrite(path, text.encode("utf-8"), force=force)
    except ReadOnlyFileError as exc:
        print(f"jumpdsl: {exc}", file=err)
        return False
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"jumpdsl: cannot write {path}: {reason}", file=err)
        return False
    return True


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jumpdsl.formatting import format_source

    if args.files == ["-"]:
        return _stdin(out, err)
    code, changed = EXIT_OK, 0
    paths = _paths(args.files)
    for path in paths:
        result = check_source_text(path)
        if isinstance(result, Checked):  # unreadable or not UTF-8
            code = max(code, report(result, err))
            continue
        formatted = format_source(result)
        if formatted.text is None:
            print(render_text(formatted.diagnostics, {result.path: result}), file=err)
            code = max(code, EXIT_SPEC)
        elif formatted.changed:
            changed += 1
            if args.check:
                print(f"would reformat {path}", file=out)
                code = max(code, EXIT_SPEC)
            elif _write(path, formatted.text, args.force, err):
                print(f"reformatted {path}", file=out)
            else:
                changed -= 1
                code = max(code, EXIT_USAGE)
    verb = "would be reformatted" if args.check else "reformatted"
    print(f"{changed} of {len(paths)} files {verb}", file=err)
    return code
