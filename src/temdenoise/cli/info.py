"""The ``temdenoise info`` subcommand: versions, device and models, or one movie's summary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Register ``info`` on the subcommand parsers ``sub``."""
    info = sub.add_parser(
        "info",
        help="versions, device and shipped models; with FILE: the movie, its dose, its coverage",
    )
    info.add_argument("file", type=Path, nargs="?", metavar="FILE", help="a movie to describe")
    info.add_argument("--dataset", default=None, help="dataset/array/signal inside FILE")
    info.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Print the installation's summary, or the summary of ``args.file``."""
    from temdenoise.info import file_lines, info_lines

    print(
        "\n".join(
            info_lines() if args.file is None else file_lines(args.file, dataset=args.dataset)
        )
    )
    return 0
