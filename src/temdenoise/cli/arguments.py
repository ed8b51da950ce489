"""Argument groups that several subcommands share, each added to a parser in one call."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODEL_HELP = "shipped model name or model file (default bf-unet)"
FRAMES_HELP = "frames A..B-1"
DEVICE_HELP = "cpu, cuda or cuda:N (default: GPU if any)"
TRAINING_DEVICE_HELP = "cpu, cuda, cuda:1 (default: a GPU if any)"


def values(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    """Return the parsed options ``names`` of ``args``, by name, in that order."""
    return {name: getattr(args, name) for name in names}


def add_config(parser: argparse.ArgumentParser, config: str) -> None:
    """Add ``--config``: a JSON file of the stage's config class ``config`` to start from."""
    parser.add_argument("--config", type=Path, default=None, help=f"JSON {config} to start from")


def add_model(parser: argparse.ArgumentParser, help: str = MODEL_HELP) -> None:
    """Add ``--model``: a shipped model name or a model file."""
    parser.add_argument("--model", default=None, help=help)


def add_frame_range(parser: argparse.ArgumentParser, help: str = FRAMES_HELP) -> None:
    """Add ``--frames A:B``, parsed by :func:`frame_range`."""
    parser.add_argument("--frames", type=frame_range, default=None, metavar="A:B", help=help)


def add_device(parser: argparse.ArgumentParser, help: str = DEVICE_HELP) -> None:
    """Add ``--device``: where the network runs."""
    parser.add_argument("--device", default=None, help=help)


def add_seed(parser: argparse.ArgumentParser) -> None:
    """Add ``--seed``."""
    parser.add_argument("--seed", type=int, default=None, help="random seed (default 0)")


def add_overwrite(parser: argparse.ArgumentParser) -> None:
    """Add ``--overwrite``: replace an existing output."""
    parser.add_argument("--overwrite", action="store_true", default=None, help="replace OUTPUT")


def add_optimizer(
    parser: argparse.ArgumentParser, *, steps: int, batch_size: int, lr_help: str
) -> None:
    """Add ``--steps``, ``--batch-size``, ``--patch-size`` and ``--lr`` of a training run."""
    parser.add_argument(
        "--steps", type=int, default=None, help=f"optimizer steps (default {steps})"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help=f"patches per step (default {batch_size})"
    )
    parser.add_argument("--patch-size", type=int, default=None, help="patch side, px (default 128)")
    parser.add_argument("--lr", type=float, default=None, help=lr_help)


def add_training_device(parser: argparse.ArgumentParser) -> None:
    """Add ``--device`` and ``--threads`` of a training run."""
    add_device(parser, TRAINING_DEVICE_HELP)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads")


def add_run_limits(parser: argparse.ArgumentParser) -> None:
    """Add ``--time-limit`` and ``--name`` of a training run."""
    parser.add_argument("--time-limit", type=float, default=None, help="stop after MINUTES")
    parser.add_argument("--name", default=None, help="model name stored in the file")


def frame_range(text: str) -> tuple[int, int | None]:
    """Parse ``A:B`` (either end may be left out) into (first, stop or None)."""
    try:
        first, _, last = text.partition(":")
        if not _:
            raise ValueError
        return (int(first) if first else 0, int(last) if last else None)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected A:B (e.g. 0:100 or 10:), got {text!r}"
        ) from None
