"""The ``temdenoise`` command: thin parsing around one orchestrator per subcommand."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from temdenoise import __version__
from temdenoise.errors import TemdenoiseError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="temdenoise",
        description="Denoise large, shot-noise-limited in situ TEM movies with bias-free CNNs.",
    )
    parser.add_argument("--version", action="version", version=f"temdenoise {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    info = sub.add_parser("info", help="show versions, the compute device and the shipped models")
    info.set_defaults(command=_info)
    return parser


def _info(args: argparse.Namespace) -> int:
    from temdenoise.info import info_lines

    print("\n".join(info_lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
