"""The ``temdenoise fit-noise`` subcommand: parsing and a summary around ``run_fit_noise``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from temdenoise.cli.arguments import add_config, add_frame_range, values

NAMES = (
    "input",
    "output",
    "roi",
    "vacuum_roi",
    "dataset",
    "frames",
    "max_frames",
    "detector",
    "counting_model",
    "offset",
    "align",
)
"""The options that become the fields of the same name of a ``FitNoiseConfig``."""


def register(sub: Any) -> None:
    """Register ``fit-noise`` on the subcommand parsers ``sub``."""
    fit = sub.add_parser(
        "fit-noise",
        help="fit a detector noise model to real frames (writes noise.json + a figure)",
        description="Fit a noise model (empirical count model or Poisson for counting "
        "detectors; PSF, gain, offset and read noise for integrating cameras) to a region "
        "of a movie of a static or slowly changing scene, and write it as JSON with a "
        "diagnostic figure (same name, .png).",
    )
    fit.add_argument("input", type=Path, metavar="INPUT", help="movie file, Zarr or TIFF folder")
    fit.add_argument("-o", "--output", type=Path, required=True, help="noise model (.json)")
    fit.add_argument(
        "--roi",
        type=_region,
        default=None,
        metavar="R0:R1,C0:C1",
        help="region to fit (default: the central 512 x 512 px)",
    )
    fit.add_argument(
        "--vacuum-roi",
        type=_region,
        default=None,
        metavar="R0:R1,C0:C1",
        help="vacuum or flat region: gives the dose",
    )
    fit.add_argument("--dataset", default=None, help="dataset/array/signal inside a container")
    add_frame_range(fit, "frames A..B-1 (at most --max-frames are read)")
    fit.add_argument("--max-frames", type=int, default=None, help="most frames read (64)")
    fit.add_argument("--detector", choices=["auto", "counting", "integrating"], default=None)
    fit.add_argument("--counting-model", choices=["categorical", "poisson"], default=None)
    fit.add_argument("--offset", type=float, default=None, help="known detector offset (ADU)")
    fit.add_argument(
        "--no-align", dest="align", action="store_false", default=None, help="do not undo drift"
    )
    add_config(fit, "FitNoiseConfig")
    fit.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Fit the noise model the parsed ``args`` describe; print it and what was written."""
    from temdenoise.config import FitNoiseConfig
    from temdenoise.noise.run import run_fit_noise

    config = FitNoiseConfig.from_arguments(args.config, **values(args, NAMES))
    report = run_fit_noise(config)
    print(f"wrote {report.output}: {report.model.describe()}")
    if report.model.dose is not None:
        from temdenoise.noise.dose import describe_dose

        print(f"dose: {describe_dose(report.model.dose, report.pixel_size)} per frame")
    if report.figure is not None:
        print(f"wrote {report.figure}")
    for note in report.model.info.get("fit", {}).get("notes", []):
        print(f"note: {note}")
    return 0


def _region(text: str) -> tuple[int, int, int, int]:
    try:
        rows, columns = text.split(",")
        (r0, r1), (c0, c1) = (tuple(int(v) for v in part.split(":")) for part in (rows, columns))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected R0:R1,C0:C1 (e.g. 0:512,256:768), got {text!r}"
        ) from None
    return (r0, r1, c0, c1)
