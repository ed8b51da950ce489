"""The ``temdenoise adapt`` subcommand: parsing and a progress bar around ``run_adapt``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from temdenoise.cli.arguments import (
    add_config,
    add_model,
    add_optimizer,
    add_overwrite,
    add_run_limits,
    add_seed,
    add_training_device,
    values,
)

NAMES = (
    "input",
    "output",
    "model",
    "scratch",
    "frames",
    "gains_only",
    "steps",
    "batch_size",
    "patch_size",
    "lr",
    "hide_vertical",
    "dataset",
    "pixel_size",
    "seed",
    "device",
    "threads",
    "time_limit",
    "name",
    "overwrite",
)
"""The options that become the fields of the same name of an ``AdaptConfig``."""


def register(sub: Any) -> None:
    """Register ``adapt`` on the subcommand parsers ``sub``."""
    ad = sub.add_parser(
        "adapt",
        help="adapt a model to a real movie without clean data (self-supervised)",
        description="Fine-tune a shipped or trained model on MOVIE itself with a blind-spot "
        "loss (each scored pixel and its vertical neighbours hidden from the network), all "
        "weights or only per-channel gains; or, with --scratch, train a multi-frame BF-UNet "
        "on the movie alone. Writes a model file for `temdenoise denoise --model OUTPUT`.",
    )
    ad.add_argument("input", type=Path, metavar="MOVIE", help="movie file or .zarr")
    ad.add_argument("-o", "--output", type=Path, required=True, help="adapted model file")
    add_model(ad, "shipped name or model file (default bf-unet)")
    ad.add_argument(
        "--scratch", action="store_true", default=None, help="a fresh video model, no --model"
    )
    ad.add_argument("--frames", type=int, default=None, help="--scratch: frames in (default 5)")
    ad.add_argument(
        "--gains-only", action="store_true", default=None, help="train per-channel gains only"
    )
    add_optimizer(ad, steps=300, batch_size=8, lr_help="Adam rate (1e-3 gains, 1e-4 all)")
    ad.add_argument(
        "--keep-vertical",
        dest="hide_vertical",
        action="store_false",
        default=None,
        help="do not hide vertical neighbours (detectors with uncorrelated pixels)",
    )
    ad.add_argument("--dataset", default=None, help="array inside HDF5/Zarr/EMD containers")
    ad.add_argument("--pixel-size", type=float, default=None, help="angstrom/px (override)")
    add_seed(ad)
    add_training_device(ad)
    add_run_limits(ad)
    add_overwrite(ad)
    add_config(ad, "AdaptConfig")
    ad.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Adapt as the parsed ``args`` say; print what was written."""
    from tqdm import tqdm

    from temdenoise.config import AdaptConfig
    from temdenoise.train.adapt import AdaptStatus, run_adapt

    config = AdaptConfig.from_arguments(args.config, **values(args, NAMES))
    bar: Any = None

    def progress(status: AdaptStatus) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=status.steps, unit="step", smoothing=0.05)
        bar.update(1)
        bar.set_postfix(loss=f"{status.loss:.4g}", refresh=False)

    try:
        result = run_adapt(config, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    print(
        f"wrote {result.output}: {result.steps} steps on {result.parameters:,} parameters in "
        f"{result.seconds / 60:.1f} min"
        + (" (stopped at the time limit)" if result.stopped_early else "")
        + f"; blind-spot loss {result.loss_before:.4f} -> {result.loss_after:.4f}"
    )
    return 0
