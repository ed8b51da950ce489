"""The ``temdenoise`` argument parser: global options and one subparser per subcommand."""

from __future__ import annotations

import argparse
from typing import NoReturn

from temdenoise import __version__
from temdenoise.cli import (
    adapt,
    demo,
    denoise,
    evaluate,
    export,
    fit_noise,
    info,
    simulate,
    train,
)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (exit code 2), pointing to --help instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``temdenoise`` command; ``args.command(args)`` runs it."""
    parser = _Parser(
        prog="temdenoise",
        description="Denoise large, shot-noise-limited in situ TEM movies with bias-free CNNs.",
    )
    parser.add_argument("--version", action="version", version=f"temdenoise {__version__}")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="temdenoise's debug detail")
    noise.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in (info, denoise, fit_noise, simulate, evaluate, demo, train, adapt, export):
        command.register(sub)
    return parser
