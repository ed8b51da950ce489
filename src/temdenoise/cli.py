"""The ``temdenoise`` command: thin parsing around one orchestrator per subcommand."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from temdenoise import __version__
from temdenoise.cli_adapt import add_adapt
from temdenoise.cli_demo import add_demo
from temdenoise.cli_export import add_export
from temdenoise.cli_train import add_train
from temdenoise.errors import TemdenoiseError

if TYPE_CHECKING:
    from temdenoise.infer.job import DenoiseReport


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
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


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (exit code 2), pointing to --help instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
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

    info = sub.add_parser(
        "info",
        help="versions, device and shipped models; with FILE: the movie, its dose, its coverage",
    )
    info.add_argument("file", type=Path, nargs="?", metavar="FILE", help="a movie to describe")
    info.add_argument("--dataset", default=None, help="dataset/array/signal inside FILE")
    info.set_defaults(command=_info)

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
    den.add_argument(
        "--model", default=None, help="shipped model name or model file (default bf-unet)"
    )
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
    den.add_argument(
        "--frames", type=_frame_range, default=None, metavar="A:B", help="frames A..B-1"
    )
    den.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: GPU if any)")
    den.add_argument("--batch-size", type=int, default=None, help="tiles per network call")
    den.add_argument("--tile", type=int, default=None, help="tile size in px (default: automatic)")
    den.add_argument("--precision", choices=["fp32", "bf16"], default=None)
    den.add_argument("--block-frames", type=int, default=None, help="frames per resumable block")
    den.add_argument("--config", type=Path, default=None, help="JSON DenoiseConfig to start from")
    den.add_argument("--overwrite", action="store_true", default=None, help="replace OUTPUT")
    den.add_argument(
        "--cluster", default=None, metavar="local:N", help="run on a new local Dask cluster"
    )
    den.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on a Dask scheduler (tcp://...)"
    )
    den.set_defaults(command=_denoise)

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
    fit.add_argument(
        "--frames",
        type=_frame_range,
        default=None,
        metavar="A:B",
        help="frames A..B-1 (at most --max-frames are read)",
    )
    fit.add_argument("--max-frames", type=int, default=None, help="most frames read (64)")
    fit.add_argument("--detector", choices=["auto", "counting", "integrating"], default=None)
    fit.add_argument("--counting-model", choices=["categorical", "poisson"], default=None)
    fit.add_argument("--offset", type=float, default=None, help="known detector offset (ADU)")
    fit.add_argument(
        "--no-align", dest="align", action="store_false", default=None, help="do not undo drift"
    )
    fit.add_argument("--config", type=Path, default=None, help="JSON FitNoiseConfig to start from")
    fit.set_defaults(command=_fit_noise)

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
    sim.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    sim.add_argument("--movie", type=int, default=None, metavar="FRAMES", help="one movie")
    sim.add_argument("--workers", type=int, default=None, help="processes (default 1)")
    sim.add_argument("--config", type=Path, default=None, help="JSON SimulateConfig to start from")
    sim.set_defaults(command=_simulate)
    _add_evaluate(sub)
    add_demo(sub)
    add_train(sub)
    add_adapt(sub)
    add_export(sub)
    return parser


def _add_evaluate(sub: Any) -> None:
    ev = sub.add_parser(
        "evaluate",
        help="metrics and figures for a denoised movie (metrics.json, PNGs, index.html)",
        description="Measure how far a denoised movie can be trusted: PSNR/SSIM against a "
        "clean reference when there is one, uPSNR from adjacent frames without one, the "
        "residual against the noise model, per-atom likelihood ratios and integrated line "
        "profiles. Writes metrics.json, PNG figures and index.html into REPORT_DIR.",
    )
    ev.add_argument("--noisy", type=Path, required=True, help="raw movie (counts)")
    ev.add_argument(
        "--denoised", type=Path, required=True,
        help="denoised movie: same shape, or an output of a --frames range of NOISY",
    )  # fmt: skip
    ev.add_argument("--clean", type=Path, default=None, help="ground truth (same shape or 1 frame)")
    ev.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT_DIR")
    ev.add_argument(
        "--line", type=_line, default=None, metavar="R0,C0,R1,C1", help="profile ends, px"
    )
    ev.add_argument("--width", type=int, default=None, help="profile width, px (2.5 A)")
    ev.add_argument(
        "--frames", type=_frame_range, default=None, metavar="A:B", help="frames A..B-1"
    )
    ev.add_argument("--frame", type=int, default=None, help="frame shown in the figures")
    ev.add_argument("--max-frames", type=int, default=None, help="most frames evaluated (64)")
    ev.add_argument("--pixel-size", type=float, default=None, help="angstrom per pixel")
    ev.add_argument("--dataset", default=None, help="dataset/array/signal inside NOISY")
    ev.add_argument("--denoised-dataset", default=None, help="dataset/array inside DENOISED")
    ev.add_argument("--clean-dataset", default=None, help="dataset/array inside CLEAN")
    ev.add_argument("--polarity", choices=["bright", "dark"], default=None, help="atom contrast")
    ev.add_argument("--background", type=float, default=None, help="vacuum level, counts/px")
    ev.add_argument(
        "--noise", type=Path, default=None, help="noise.json from fit-noise (default Poisson)"
    )
    ev.add_argument("--config", type=Path, default=None, help="JSON EvaluateConfig to start from")
    ev.set_defaults(command=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from temdenoise.config import EvaluateConfig
    from temdenoise.evaluate.run import run_evaluate

    names = ["noisy", "denoised", "clean", "output", "line", "width", "frames", "frame"]
    names += ["max_frames", "pixel_size", "dataset", "denoised_dataset", "clean_dataset"]
    names += ["polarity", "background", "noise"]
    values = {name: getattr(args, name) for name in names}
    config = EvaluateConfig.from_arguments(args.config, **values)
    index = run_evaluate(config)
    body = json.loads((index.parent / "metrics.json").read_text())
    print("\n".join(_evaluation_lines(body)))
    print(f"wrote {index} (metrics.json and figures beside it)")
    return 0


def _evaluation_lines(body: dict[str, Any]) -> list[str]:
    """Format the key numbers of an evaluation and its verdict for the terminal."""
    summary = body.get("summary", {})
    lines = []
    for key, label in (
        ("psnr_count", "psnr_count (dB)"),
        ("ssim", "SSIM"),
        ("upsnr_count", "uPSNR (dB)"),
    ):
        raw, out = summary.get(f"{key}_noisy"), summary.get(key)
        if isinstance(out, float) and isinstance(raw, float):
            lines.append(f"{label:<16} raw {raw:8.3f}   denoised {out:8.3f}")
    residual = body.get("residual") or {}
    if isinstance(residual.get("variance_ratio"), float):
        lines.append(f"{'residual var.':<16} {residual['variance_ratio']:.3g} x the noise model's")
    lines.append("verdict:")
    marks = {"problem": "PROBLEM", "warning": "warning", "good": "ok"}
    lines += [f"  [{marks[f['level']]}] {f['text']}" for f in body.get("verdict", [])]
    return lines


def _line(text: str) -> tuple[float, float, float, float]:
    try:
        r0, c0, r1, c1 = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected R0,C0,R1,C1 in px (e.g. 100,20,100,400), got {text!r}"
        ) from None
    return (r0, c0, r1, c1)


def _info(args: argparse.Namespace) -> int:
    from temdenoise.info import file_lines, info_lines

    print(
        "\n".join(
            info_lines() if args.file is None else file_lines(args.file, dataset=args.dataset)
        )
    )
    return 0


def _denoise(args: argparse.Namespace) -> int:
    from temdenoise.config import DenoiseConfig
    from temdenoise.infer.job import run_denoise

    values = {
        "input": args.input,
        "output": args.output,
        "model": args.model,
        "dataset": args.dataset,
        "pixel_size": args.pixel_size,
        "resample": args.resample,
        "counts_per_electron": args.counts_per_electron,
        "check_counts": args.check_counts,
        "frames": args.frames,
        "device": args.device,
        "batch_size": args.batch_size,
        "tile": args.tile,
        "precision": args.precision,
        "block_frames": args.block_frames,
        "overwrite": args.overwrite,
        "cluster": args.cluster,
        "scheduler": args.scheduler,
    }
    config = DenoiseConfig.from_arguments(args.config, **values)
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


def _fit_noise(args: argparse.Namespace) -> int:
    from temdenoise.config import FitNoiseConfig
    from temdenoise.noise.run import run_fit_noise

    values = {
        "input": args.input,
        "output": args.output,
        "roi": args.roi,
        "vacuum_roi": args.vacuum_roi,
        "dataset": args.dataset,
        "frames": args.frames,
        "max_frames": args.max_frames,
        "detector": args.detector,
        "counting_model": args.counting_model,
        "offset": args.offset,
        "align": args.align,
    }
    config = FitNoiseConfig.from_arguments(args.config, **values)
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


def _simulate(args: argparse.Namespace) -> int:
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


def _region(text: str) -> tuple[int, int, int, int]:
    try:
        rows, columns = text.split(",")
        (r0, r1), (c0, c1) = (tuple(int(v) for v in part.split(":")) for part in (rows, columns))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected R0:R1,C0:C1 (e.g. 0:512,256:768), got {text!r}"
        ) from None
    return (r0, r1, c0, c1)


def _frame_range(text: str) -> tuple[int, int | None]:
    try:
        first, _, last = text.partition(":")
        if not _:
            raise ValueError
        return (int(first) if first else 0, int(last) if last else None)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected A:B (e.g. 0:100 or 10:), got {text!r}"
        ) from None


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


if __name__ == "__main__":
    raise SystemExit(main())
