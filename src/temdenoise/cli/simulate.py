"""The ``temdenoise simulate`` subcommand: parsing and a progress bar around ``write_dataset``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from temdenoise.cli.arguments import add_config, add_seed


def register(sub: Any) -> None:
    """Register ``simulate`` on the subcommand parsers ``sub``."""
    sim = sub.add_parser(
        "simulate",
        help="simulate clean HRTEM training images or an in situ movie (Zarr, resumable)",
        description="Simulate clean HRTEM images of Pt nanoparticles on CeO2 with abTEM into "
        "a Zarr dataset (images, per-image parameters, pixel size, dose, config). Rerunning "
        "the same command finishes an interrupted run. Needs the 'sim' extra (abTEM, ASE).",
    )
    sim.add_argument("-o", "--output", type=Path, required=True, help="output .zarr")
    sim.add_argument("--n", type=int, default=None, help="training images (default 460)")
    sim.add_argument("--n-test", type=int, default=None, help="test images (default 20)")
    sim.add_argument("--size", type=int, default=None, help="rows = columns, px (default 512)")
    sim.add_argument("--pixel-size", type=float, default=None, help="angstrom/px (default 0.25)")
    sim.add_argument("--dose", type=float, default=None, help="vacuum counts/px (default 0.45)")
    add_seed(sim)
    sim.add_argument("--movie", type=int, default=None, metavar="FRAMES", help="one movie")
    sim.add_argument("--workers", type=int, default=None, help="processes (default 1)")
    add_config(sim, "SimulateConfig")
    sim.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Simulate as the parsed ``args`` say; print what was written."""
    from tqdm import tqdm

    from temdenoise.config import SimulateConfig
    from temdenoise.errors import ConfigError
    from temdenoise.simulate.dataset import write_dataset

    if args.movie is not None and (args.n is not None or args.n_test is not None):
        raise ConfigError("--movie writes one movie: leave out --n and --n-test")
    values = {
        "n_train": args.n,
        "n_test": args.n_test,
        "size": args.size,
        "pixel_size": args.pixel_size,
        "dose": args.dose,
        "seed": args.seed,
        "movie_frames": args.movie,
        "workers": args.workers,
    }
    config = SimulateConfig.from_arguments(args.config, **values)
    bars: list[Any] = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, initial=done, unit="image", dynamic_ncols=True))
        bars[0].update(done - bars[0].n)

    try:
        summary = write_dataset(args.output, config, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    print(
        f"wrote {summary.path}: {summary.total} images of {config.size} x {config.size} px at "
        f"{config.pixel_size} A/px, dose {config.dose} ({summary.simulated} simulated now, "
        f"{summary.skipped} already there)"
    )
    return 0
