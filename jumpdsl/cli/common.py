"""What every verb shares: exit codes, usage errors, ``--set`` and the limits, checking a spec
and printing its diagnostics, writing an output file."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from jumpdsl import errorcodes as C
from jumpdsl.api import Checked, check_file, check_resources, parse_override
from jumpdsl.backends.memory import (
    DEFAULT_MAX_MEMORY,
    DEFAULT_MAX_PARAMS,
    ResourceLimits,
    parse_size,
)
from jumpdsl.diagnostics import DiagnosticSink
from jumpdsl.errorcodes import Severity
from jumpdsl.lower.builder import Limits
from jumpdsl.report import MAX_ERRORS, render_text

__all__ = [
    "EXIT_BUG",
    "EXIT_INTERRUPT",
    "EXIT_OK",
    "EXIT_SPEC",
    "EXIT_USAGE",
    "HelpFormatter",
    "UsageError",
    "add_plugin_options",
    "add_resource_options",
    "add_spec_options",
    "add_verb",
    "at_least_one",
    "check_spec",
    "make_folder",
    "overrides",
    "plugins",
    "report",
    "whole_number",
    "within_limits",
    "write_output",
]

EXIT_OK, EXIT_SPEC, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPT = 0, 1, 2, 101, 130


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` as written (descriptions and examples keep their lines), with each option's
    default said where its help does not say it already: not for flags (off unless given),
    nor for repeatable options (none unless given)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        unsaid = "%(default)" not in text and "default" not in text
        meaningful = default not in (None, False, [], argparse.SUPPRESS)
        if action.option_strings and unsaid and meaningful:
            text += " (default: %(default)s)"
        return text


def add_verb(
    sub: Any, name: str, summary: str, description: str, examples: Sequence[str]
) -> argparse.ArgumentParser:
    """A verb's parser: ``summary`` its line in ``jumpdsl --help``, ``description`` what
    ``jumpdsl VERB --help`` says first, ``examples`` (commands, each with a ``# why``) last."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, 79),
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
        formatter_class=HelpFormatter,
    )
    return parser


def overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """The values of ``--set NAME=VALUE`` options."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set expects NAME=VALUE, got '{pair}'")
        if name.strip() in values:
            raise UsageError(f"--set {name.strip()} is given twice: give each parameter once")
        sink = DiagnosticSink()
        value = parse_override(name.strip(), text, sink)
        if value is None:
            problem = sink.items[0].message if sink.items else "not a value"
            raise UsageError(f"--set {pair}: {problem}")
        values[name.strip()] = value
    return values


def check_spec(
    path: str, args: argparse.Namespace, params: dict[str, Any] | None = None
) -> Checked:
    """Check the spec at ``path`` (or the zoo model it names) with the verb's ``--set`` (or
    ``params``) and limits, and the plugins of the command line (``--plugin``,
    ``--no-plugins``)."""
    from jumpdsl.zoo import spec_and_params

    limits = Limits(max_nodes=args.max_nodes)
    # a bare zoo name (resnet50) that is not a file here: the zoo's file, with its variant's
    spec, values = spec_and_params(path, overrides(args.set) if params is None else params)
    return check_file(
        spec,
        values,
        limits=limits,
        plugins=plugins(args),
        autoload=False if getattr(args, "no_plugins", False) else None,
        use_path=getattr(args, "use_path", []),
    )


def plugins(args: argparse.Namespace) -> list[str]:
    """The ``--plugin`` modules, given before the verb and after it, in order."""
    return [*getattr(args, "plugins_before", []), *getattr(args, "plugins_after", [])]


def add_plugin_options(parser: argparse.ArgumentParser, where: str) -> None:
    """``--plugin`` and ``--no-plugins``, accepted before the verb (``where="before"``) and
    after it (``"after"``): argparse keeps the two apart, :func:`plugins` joins them."""
    parser.add_argument(
        "--plugin",
        action="append",
        dest=f"plugins_{where}",
        default=[] if where == "before" else argparse.SUPPRESS,
        metavar="MODULE",
        help="load the ops a Python module defines (repeatable; see docs/ops.md)",
    )
    parser.add_argument(
        "--no-plugins",
        action="store_true",
        default=False if where == "before" else argparse.SUPPRESS,
        help="do not load installed plugins (entry points in jumpdsl.ops) by themselves",
    )


def report(result: Checked, err: TextIO, max_errors: int = MAX_ERRORS) -> int:
    """Print the diagnostics (the first ``max_errors``, 0 for all); the exit code they call
    for."""
    if result.diagnostics:
        print(render_text(result.diagnostics, result.sources, max_errors), file=err)
    if unreadable(result):
        return EXIT_USAGE
    if not result.ok:
        if result.graph is None and not any(
            d.severity is Severity.ERROR for d in result.diagnostics
        ):
            print(f"{result.path}: no network in this file (nothing to build)", file=err)
        return EXIT_SPEC
    return EXIT_OK


def unreadable(result: Checked) -> bool:
    """Whether the spec itself could not be read, or a plugin asked for could not be loaded
    (an I/O or command-line problem, not one in the spec)."""
    codes = (C.CANNOT_READ.code, C.PLUGIN_NOT_LOADED.code)
    device = C.NOT_REGULAR_FILE.code  # at no place: the spec named, not one it uses
    return any(d.code in codes or (d.code == device and d.span is None) for d in result.diagnostics)


def write_output(
    target: Path, produce: Callable[[], bytes], inputs: Sequence[str], expected: type[Exception]
) -> None:
    """Make the bytes and write them atomically, never over an input spec; the ``expected``
    errors of making them, and I/O errors, are usage errors."""
    from jumpdsl.fileio import OverwriteInputError, write_atomic

    try:
        write_atomic(target, produce(), inputs=inputs)
    except (expected, OverwriteInputError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low`` (argparse's own message, exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


at_least_one = whole_number(1)


def make_folder(path: Path, option: str) -> Path:
    """``path`` as a folder, made if missing; a usage error if it cannot be one."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{option} {path}: a file is there, not a folder") from None
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot make the folder: {exc.strerror}") from None
    return path


def add_spec_options(parser: argparse.ArgumentParser) -> None:
    """``--set``, ``--max-nodes``, ``--max-errors`` and ``--use-path``, for every verb that
    reads a spec."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help='set a network parameter (a .jnet value: 100, [16, 32], "[(32, 3), (64, 4)]")',
    )
    parser.add_argument(
        "--max-nodes",
        type=at_least_one,
        default=Limits().max_nodes,
        help="fail when the network expands past this many layers (default %(default)s)",
    )
    parser.add_argument(
        "--max-errors",
        type=whole_number(0),
        default=MAX_ERRORS,
        metavar="N",
        help="show the first N diagnostics of each file and count the rest; 0 shows all "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--use-path",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder whose .jnet files 'use' may read, searched after the spec's own "
        "(repeatable; the working folder, the spec's folder and std/ always are)",
    )


def _count(text: str) -> int:
    """``--max-params``: a positive count, ``_`` allowed (``3_000_000_000``) or ``3e9``."""
    try:
        value = int(text.replace("_", "")) if "e" not in text.lower() else int(float(text))
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not a count of parameters: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _size(text: str) -> int:
    """``--max-memory``: ``16G``, ``512M``, ``1.5GiB`` or bytes."""
    try:
        value = parse_size(text)
    except (ValueError, OverflowError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 byte, got {text!r}")
    return value


def add_resource_options(parser: argparse.ArgumentParser) -> None:
    """``--max-params`` and ``--max-memory``, for the verbs that build the network (and
    ``check``, which warns past them)."""
    parser.add_argument(
        "--max-params",
        type=_count,
        default=DEFAULT_MAX_PARAMS,
        metavar="N",
        help="refuse to build more parameters than this (default %(default)s = 2**31)",
    )
    parser.add_argument(
        "--max-memory",
        type=_size,
        default=f"{DEFAULT_MAX_MEMORY >> 30}G",  # a string default goes through ``type``
        metavar="SIZE",
        help="refuse to build a network whose weights and activations need more "
        "(16G, 512M, …; default %(default)s)",
    )


def within_limits(
    result: Checked,
    args: argparse.Namespace,
    *,
    batch: int = 1,
    training: bool = False,
    warn: bool = False,
) -> Checked:
    """``result`` with the resource estimate's diagnostic where the network needs more than
    ``--max-params``/``--max-memory`` (an error; ``warn``: a warning, for ``check``)."""
    limits = ResourceLimits(max_params=args.max_params, max_memory=args.max_memory)
    return check_resources(result, limits, batch=batch, training=training, warn=warn)
