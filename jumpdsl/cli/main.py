"""The command line: the only code in jumpdsl that prints. One module per verb
(:mod:`~jumpdsl.cli.check`, ``compile``, ``export``, ``draw``, ``fmt``, ``train``, ``eval``,
``lsp``, ``ops``),
each with ``register(subparsers)`` and ``run(args, out, err)``; what they share is in
:mod:`jumpdsl.cli.common`.

``--plugin MODULE`` (repeatable) and ``--no-plugins`` are global: they may come before the
verb or after it (see docs/ops.md).

Exit codes: 0 success; 1 errors in a spec (or in a plugin's op); 2 usage or I/O errors (any
``OSError`` that reaches here: a full disk, a folder that cannot be written), and a plugin
that cannot be loaded; 101 an internal error (a bug: one line on stderr and a report
file); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from typing import TextIO

from jumpdsl import __version__
from jumpdsl.cli import check, draw, export, fmt, lsp, ops, train, zoo
from jumpdsl.cli import compile as compile_verb
from jumpdsl.cli import eval as eval_verb
from jumpdsl.cli.common import (
    EXIT_BUG,
    EXIT_INTERRUPT,
    EXIT_OK,
    EXIT_SPEC,
    EXIT_USAGE,
    HelpFormatter,
    UsageError,
    add_plugin_options,
)
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.fileio import WriteError, read_bounded
from jumpdsl.ops.core import OpFailed
from jumpdsl.report import render_text
from jumpdsl.source import SourceFile, Span

__all__ = ["VERBS", "build_parser", "main"]

VERBS = (check, compile_verb, export, draw, fmt, train, eval_verb, zoo, ops, lsp)


FIRST_STEPS = """first steps:
  jumpdsl check specs/jumpnet.jnet              # is the spec right? parameters, shapes
  jumpdsl compile specs/jumpnet.jnet            # the torch module: a summary and a forward pass
  jumpdsl draw specs/jumpnet.jnet -o net.svg    # a figure
  jumpdsl zoo                                   # ResNet, DenseNet, …: jumpdsl check resnet50
  jumpdsl COMMAND --help                        # what a command does, its options, examples

--version, --debug, --plugin and --no-plugins may come before or after the command."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jumpdsl",
        description="Check, draw and compile neural networks written in .jnet.",
        epilog=FIRST_STEPS,
        formatter_class=HelpFormatter,
    )
    _add_version(parser)
    _add_debug(parser, "before")
    add_plugin_options(parser, "before")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for verb in VERBS:
        verb.register(sub)
    for verb_parser in dict.fromkeys(sub.choices.values()):
        _add_version(verb_parser)
        _add_debug(verb_parser, "after")
        add_plugin_options(verb_parser, "after")
    return parser


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version", action="version", version=f"jumpdsl {__version__}", help="the version"
    )


def _add_debug(parser: argparse.ArgumentParser, where: str) -> None:
    """``--debug``, before the verb or after it: after it, the verb's parser leaves the value
    alone unless given (SUPPRESS), so one given before the verb stays."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if where == "before" else argparse.SUPPRESS,
        help="show the traceback of an internal error instead of a report file",
    )


def _crash_report(exc: BaseException) -> str:
    fd, path = tempfile.mkstemp(prefix="jumpdsl-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"jumpdsl {__version__}, python {sys.version.split()[0]}, {time.ctime()}\n")
        handle.write(f"argv: {sys.argv!r}\n\n")
        handle.write("".join(traceback.format_exception(exc)))
    return path


def _source_of(span: Span | None) -> dict[str, SourceFile]:
    """The spec a diagnostic points into, read again to show the line (empty if it can't be)."""
    if span is None:
        return {}
    try:
        text = read_bounded(span.path).decode("utf-8")
    except (OSError, ValueError):  # unreadable, not a regular file, too large, not UTF-8
        return {}
    return {span.path: SourceFile(span.path, text)}


def _drop_unwritable_stdout(out: TextIO) -> None:
    """When stdout cannot take what is left in its buffer, send it to /dev/null, so Python's
    own flush at exit does not print a second, raw error."""
    try:
        out.flush()
    except OSError:
        try:
            fd = out.fileno()
        except (OSError, ValueError):  # not a file (a test's capture): nothing to drop
            return
        os.dup2(os.open(os.devnull, os.O_WRONLY), fd)


def _sentence(exc: OSError) -> str:
    """One sentence for an I/O error: what failed, on which file, and why."""
    if isinstance(exc, WriteError):
        return str(exc)
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else f"I/O error: {reason}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if args.command is None:  # bare `jumpdsl`: the commands, one line each
        parser.print_help(err)
        return EXIT_USAGE
    try:
        code = int(args.func(args, out, err))
        out.flush()  # a full disk behind stdout shows here, not as a warning at exit
        return code
    except UsageError as exc:
        print(f"jumpdsl: {exc}", file=err)
        return EXIT_USAGE
    except OpFailed as exc:  # a plugin's builder or label raised: its diagnostic
        failure = DiagnosticSink().report(exc.message, exc.span, **exc.fields)
        print(render_text([failure], _source_of(exc.span)), file=err)
        return EXIT_SPEC
    except KeyboardInterrupt:
        return EXIT_INTERRUPT
    except BrokenPipeError:
        # The reader went away (`jumpdsl check … | head -1`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # the environment, not jumpdsl: a full disk, a folder it can't write
        print(f"jumpdsl: {_sentence(exc)}", file=err)
        _drop_unwritable_stdout(out)
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        report = _crash_report(exc)
        print(
            f"jumpdsl: internal error ({type(exc).__name__}); this is a bug in jumpdsl. "
            f"Details are in {report}; rerun with --debug for the traceback.",
            file=err,
        )
        return EXIT_BUG
