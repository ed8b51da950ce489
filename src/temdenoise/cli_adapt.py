"""The ``temdenoise adapt`` subcommand: parsing and a progress bar around ``run_adapt``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_adapt(sub: Any) -> None:
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
    ad.add_argument("--model", default=None, help="shipped name or model file (default bf-unet)")
    ad.add_argument(
        "--scratch", action="store_true", default=None, help="a fresh video model, no --model"
    )
    ad.add_argument("--frames", type=int, default=None, help="--scratch: frames in (default 5)")
    ad.add_argument(
        "--gains-only", action="store_true", default=None, help="train per-channel gains only"
    )
    ad.add_argument("--steps", type=int, default=None, help="optimizer steps (default 300)")
    ad.add_argument("--batch-size", type=int, default=None, help="patches per step (default 8)")
    ad.add_argument("--patch-size", type=int, default=None, help="patch side, px (default 128)")
    ad.add_argument("--lr", type=float, default=None, help="Adam rate (1e-3 gains, 1e-4 all)")
    ad.add_argument(
        "--keep-vertical",
        dest="hide_vertical",
        action="store_false",
        default=None,
        help="do not hide vertical neighbours (detectors with uncorrelated pixels)",
    )
    ad.add_argument("--dataset", default=None, help="array inside HDF5/Zarr/EMD containers")
    ad.add_argument("--pixel-size", type=float, default=None, help="angstrom/px (override)")
    ad.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    ad.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: a GPU if any)")
    ad.add_argument("--threads", type=int, default=None, help="CPU threads")
    ad.add_argument("--time-limit", type=float, default=None, help="stop after MINUTES")
    ad.add_argument("--name", default=None, help="model name stored in the file")
    ad.add_argument("--overwrite", action="store_true", default=None, help="replace OUTPUT")
    ad.add_argument("--config", type=Path, default=None, help="JSON AdaptConfig to start from")
    ad.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Adapt as the parsed ``args`` say; print what was written."""
    from tqdm import tqdm

    from temdenoise.config import AdaptConfig
    from temdenoise.train.adapt import AdaptStatus, run_adapt

    names = [
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
    ]
    values = {name: getattr(args, name) for name in names}
    config = AdaptConfig.from_arguments(args.config, **values)
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
