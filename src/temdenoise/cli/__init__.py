"""The ``temdenoise`` command: thin parsing around one orchestrator per subcommand."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from temdenoise.cli.parser import build_parser
from temdenoise.errors import TemdenoiseError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(verbose=args.verbose, quiet=args.quiet)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except TemdenoiseError as exc:  # bad input or usage: one line, exit code 2
        if args.debug:
            raise
        print(f"temdenoise: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("temdenoise: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal fault: one line, exit code 1
        if args.debug:
            raise
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"temdenoise: internal error: {type(exc).__name__}: {detail} "
            "(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _configure_logging(*, verbose: bool, quiet: bool) -> None:
    """Our messages at INFO (DEBUG with -v, WARNING with -q); other libraries' at WARNING."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.getLogger("temdenoise").setLevel(level)
