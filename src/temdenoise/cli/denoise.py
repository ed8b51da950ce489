"""The ``temdenoise denoise`` subcommand: parsing and a progress bar around ``run_denoise``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temdenoise.cli.arguments import (
    add_config,
    add_device,
    add_frame_range,
    add_model,
    add_overwrite,
    values,
)

if TYPE_CHECKING:
    from temdenoise.infer.job import DenoiseReport

NAMES = (
    "input",
    "output",
    "model",
    "dataset",
    "pixel_size",
    "resample",
    "counts_per_electron",
    "check_counts",
    "frames",
    "device",
    "batch_size",
    "tile",
    "precision",
    "block_frames",
    "threads",
    "overwrite",
    "cluster",
    "scheduler",
)
"""The options that become the fields of the same name of a ``DenoiseConfig``."""


def register(sub: Any) -> None:
    """Register ``denoise`` on the subcommand parsers ``sub``."""
    den = sub.add_parser(
        "denoise",
        help="denoise a movie file into a new file (resumable)",
        description="Denoise a movie (DM3/DM4, MRC, TIFF, EMD, SER, HDF5, NPY, Zarr) into "
        "OUTPUT (.zarr, .tif, .h5/.hspy or .mrc by extension). Rerunning the same command "
        "continues an interrupted run.",
    )
    den.add_argument(
        "input", type=Path, metavar="INPUT", help="movie file, Zarr store or TIFF folder"
    )
    den.add_argument("-o", "--output", type=Path, required=True, help="output path")
    add_model(den)
    den.add_argument("--dataset", default=None, help="dataset/array/signal inside a container file")
    den.add_argument("--pixel-size", type=float, default=None, help="angstrom per pixel of INPUT")
    den.add_argument(
        "--counts-per-electron",
        type=float,
        default=None,
        metavar="G",
        help="camera gain: INPUT is divided by G (default: the file's, e.g. SerialEM's, else 1)",
    )
    den.add_argument(
        "--skip-count-check",
        dest="check_counts",
        action="store_false",
        default=None,
        help="denoise frames that do not look like counts (negative values) anyway",
    )
    den.add_argument(
        "--no-resample",
        dest="resample",
        action="store_false",
        default=None,
        help="denoise on INPUT's own grid (default: bin finer data to the model's grid)",
    )
    add_frame_range(den)
    add_device(den)
    den.add_argument("--batch-size", type=int, default=None, help="tiles per network call")
    den.add_argument("--tile", type=int, default=None, help="tile size in px (default: automatic)")
    den.add_argument(
        "--precision", choices=["auto", "fp32", "bf16"], default=None,
        help="auto (default): bf16 on a GPU or a native-bf16 CPU for models whose measured "
        "bf16 cost is under 0.05 dB, else fp32",
    )  # fmt: skip
    den.add_argument("--block-frames", type=int, default=None, help="frames per resumable block")
    den.add_argument(
        "--threads", type=int, default=None,
        help="CPU threads (default all cores; shared among the workers of --cluster local:N)",
    )  # fmt: skip
    add_config(den, "DenoiseConfig")
    add_overwrite(den)
    den.add_argument(
        "--cluster", default=None, metavar="local:N", help="run on a new local Dask cluster"
    )
    den.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on a Dask scheduler (tcp://...)"
    )
    den.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Denoise as the parsed ``args`` say; print the dose and what was written."""
    from temdenoise.config import DenoiseConfig
    from temdenoise.infer.job import run_denoise

    config = DenoiseConfig.from_arguments(args.config, **values(args, NAMES))
    bar = _FrameBar()
    try:
        report = run_denoise(config, progress=bar.update, on_start=bar.start)
    finally:
        bar.close()
    print(_dose_line(report))
    if report.stats is None:
        print(f"{report.output}: already complete for this input, model and parameters")
        return 0
    n, rows, cols = report.shape
    stats = report.stats
    mps = stats.frames_per_second * rows * cols / 1e6
    print(
        f"wrote {report.output}: {n} frames of {rows} x {cols} px "
        f"({stats.computed_frames} computed in {stats.seconds:.1f} s, "
        f"{stats.frames_per_second:.2f} frames/s, {mps:.2f} MP/s)"
    )
    return 0


def _dose_line(report: DenoiseReport) -> str:
    from temdenoise.noise.dose import describe_dose

    line = f"dose (frame 1): {describe_dose(report.dose, report.data_pixel_size)}"
    if report.factor:
        binning = f"{1 / report.factor:.3g} x {1 / report.factor:.3g}"
        line += f"; binned {binning} to {describe_dose(report.grid_dose, report.grid_pixel_size)}"
    return line


class _FrameBar:
    """A tqdm progress bar over frames with frames/s, megapixels/s and ETA."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._pixels = 0
        self._last = 0

    def start(self, shape: tuple[int, int, int]) -> None:
        from tqdm import tqdm

        self._pixels = shape[1] * shape[2]
        self._bar = tqdm(total=shape[0], unit="frame", dynamic_ncols=True, smoothing=0.1)

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            return
        self._bar.update(done - self._last)
        self._last = done
        rate = self._bar.format_dict.get("rate")
        if rate:
            self._bar.set_postfix_str(f"{rate * self._pixels / 1e6:.2f} MP/s", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
