"""``python -m jumpdsl``: the same CLI as the ``jumpdsl`` command."""

from jumpdsl.cli import main

raise SystemExit(main())
