"""The command line, one module per verb; :func:`main` is the ``jumpdsl`` command."""

from jumpdsl.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
