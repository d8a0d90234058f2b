"""The ``studiocomp`` command: :func:`studiocomp.cli.main`, with Ctrl-C while Python is still loading it exiting 130.

A module of its own, outside the package, so that nothing heavy is imported before the ``try``: importing any
module inside ``studiocomp`` first runs the package's ``__init__`` (NumPy …), which the console script's own
``from studiocomp.cli import main`` could not guard; Ctrl-C in the first few tenths of a second printed a
KeyboardInterrupt traceback from ``import numpy`` and the process died by SIGINT.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

#: the exit status of an interrupted run (128 + SIGINT), as :data:`studiocomp.cli.EXIT_INTERRUPTED`
EXIT_INTERRUPTED = 130


def main() -> int:
    """Run the command line (``sys.argv[1:]``); Ctrl-C at any point, imports included, is one line and exit 130.

    Returns
    -------
    int
        The exit status of :func:`studiocomp.cli.main`, or 130 when interrupted before it could answer.
    """
    try:
        from studiocomp.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:  # while importing, or before the command's own handler was reached
        print("studiocomp: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
