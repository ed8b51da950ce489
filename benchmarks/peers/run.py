"""temdenoise side by side with its peers: quality and speed on the same images and noise.

On the first ``--images`` held-out simulated test images and the first ``--frames``
frames of the clean demo movie, one Poisson draw per dose (seeded as in
``benchmarks/quality.py``) is denoised by every method; all rows of one dataset and dose
share that draw. Reported: mean psnr_count, psnr_range and SSIM over images (frames),
seconds per megapixel of the denoising on this CPU, and for the self-supervised methods
the seconds spent training on the noisy data itself. The Gaussian filter uses the best
sigma for each dataset and dose (an oracle). Methods that cannot run here are printed
with the reason and kept in the JSON.

With ``--detector-pixel-size A`` the images are scored in a user's regime, as
``benchmarks/quality.py --detector-pixel-size`` does: each clean image is enlarged onto a
detector of A angstrom per pixel, drawn at each dose in counts per detector pixel and scored
there. temdenoise's models denoise it through ``temdenoise.denoise(..., pixel_size=A)``
(the command line's path: binned by area onto the model grid, enlarged back); every other
method gets the same binning, enlargement and per-frame count conservation around it
(``common.on_model_grid``); the oracle Gaussian filters the detector frames directly, its
sigmas scaled by the sampling. The seed's regime is ``--detector-pixel-size 0.05 --doses
0.45`` (180 e/A^2). Run inside ``benchmarks/peers/.venv`` (setup.sh):

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
    benchmarks/peers/.venv/bin/python benchmarks/peers/run.py --data test.zarr \\
        --movie DEMO_DIR [--doses 0.45 1] [--images 8] [--frames 16] [--methods ...] \\
        [--detector-pixel-size 0.05] [-o results.json] [--figure peers-crop.png] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    Dataset,
    Result,
    best_gaussian,
    draw,
    load_movie,
    load_test,
    on_model_grid,
    score,
)
from temdenoise_peer import Unavailable

OURS = ("seed-dncnn", "bf-unet", "bf-unet-5f")
METHODS = (*OURS, "bm3d", "n2v", "ne2ne", "tk_r_em")
LABELS = {
    "bm3d": "Anscombe + BM3D",
    "n2v": "CAREamics N2V",
    "ne2ne": "Neighbor2Neighbor",
    "tk_r_em": "tk_r_em sfr_hrtem",
}
Runner = Callable[[np.ndarray, float, bool], Result]
"""``runner(noisy, dose, movie) -> Result``; raises :class:`Unavailable` to be skipped."""
Builder = Callable[[float | None, tuple[int, int]], Runner]
"""``builder(detector_pixel_size, grid_shape) -> Runner``: for frames on a detector that fine
(None: on the images' own grid), whose images are ``grid_shape`` on their own grid."""


def main() -> None:
    """Parse the arguments, run every method, print the table, write JSON and the figure."""
    args = _parse()
    import torch

    torch.set_num_threads(args.threads)
    datasets = [load_test(args.data, args.images)]
    if args.movie is not None:
        datasets.append(load_movie(args.movie, args.frames))
    builders, skipped = _runners(args.methods, seed=args.seed, workdir=args.workdir)
    for method, reason in skipped.items():
        print(f"skipped {method}: {reason}", flush=True)
    rows: list[dict[str, Any]] = []
    crops: dict[str, tuple[np.ndarray, float | None]] = {}
    detector = args.detector_pixel_size
    for dataset in datasets:
        scale = 1.0 if detector is None else dataset.pixel_size / detector
        side = round(dataset.clean.shape[1] * scale)
        shape = dataset.clean.shape[1:]
        pixel_size = detector or dataset.pixel_size
        runners = {label: build(detector, shape) for label, build in builders.items()}
        for d_index, dose in enumerate(args.doses):
            truth, noisy = draw(dataset.clean, dose, seed=args.seed, dose_index=d_index, side=side)
            keep = dataset is datasets[0] and dose == args.figure_dose
            shown = crops if keep else None
            new = _evaluate(dataset, dose, truth, noisy, runners, skipped, shown, pixel_size, scale)
            _print(new, header=not rows)
            rows.extend(new)
            _write(args, datasets, skipped, rows)  # after each block: a crash keeps the rest
            if keep and args.figure is not None:
                from figure import crop_figure

                window = _crop_window(truth[0], size=round(args.crop * scale), scale=scale)
                images = {"clean": (truth[0], None), **crops}
                crop_figure(args.figure, images, window, dose=dose, pixel_size=pixel_size)
                print(f"wrote {args.figure}")
    print("\nAll rows:")
    _print(rows, header=True)
    if args.output is not None:
        print(f"wrote {args.output}")


def _write(
    args: argparse.Namespace,
    datasets: list[Dataset],
    skipped: dict[str, str],
    rows: list[dict[str, Any]],
) -> None:
    """Write the JSON results (when asked) with the rows so far."""
    if args.output is None:
        return
    result = {
        "datasets": [_describe(d) for d in datasets],
        "doses": args.doses,
        "seed": args.seed,
        "detector_pixel_size": args.detector_pixel_size,
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "skipped": skipped,
        "rows": rows,
    }
    args.output.write_text(json.dumps(result, indent=2))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="simulated .zarr (test split)")
    parser.add_argument("--movie", type=Path, default=None, help="a temdenoise demo folder")
    parser.add_argument("--doses", type=float, nargs="+", default=[0.45, 1.0])
    parser.add_argument("--images", type=int, default=8, help="first N test images")
    parser.add_argument("--frames", type=int, default=16, help="first N movie frames")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--detector-pixel-size",
        type=float,
        default=None,
        metavar="A",
        help="score on a detector of A angstrom/px (the seed's: 0.05); default the model grid",
    )
    parser.add_argument("--workdir", type=Path, default=Path("peers-work"))
    parser.add_argument("--figure-dose", type=float, default=0.45)
    parser.add_argument("--crop", type=int, default=128, help="figure crop side, px")
    parser.add_argument("--figure", type=Path, default=None, help="PNG of one crop, all methods")
    parser.add_argument("-o", "--output", type=Path, default=None, help="JSON results")
    return parser.parse_args()


def _runners(
    methods: list[str], *, seed: int, workdir: Path
) -> tuple[dict[str, Builder], dict[str, str]]:
    """The runnable methods by label, and the reason for each that cannot run here."""
    runners: dict[str, Builder] = {}
    skipped: dict[str, str] = {}
    for method in methods:
        label = LABELS.get(method, method)
        try:
            runners[label] = _runner(method, seed=seed, workdir=workdir / method)
        except (Unavailable, ImportError) as error:
            skipped[label] = f"{type(error).__name__}: {error}"
    return runners, skipped


def _runner(method: str, *, seed: int, workdir: Path) -> Builder:
    """The builder of one method's runner; raise Unavailable or ImportError if it cannot run.

    temdenoise's models take the detector's pixel size themselves; the other methods run on
    the model grid inside :func:`common.on_model_grid` when frames are finer than it.
    """
    if method in OURS:
        import temdenoise_peer

        loaded = temdenoise_peer.load(method)

        def ours(detector: float | None, shape: tuple[int, int]) -> Runner:
            def run(noisy: np.ndarray, dose: float, movie: bool) -> Result:
                return temdenoise_peer.run(loaded, noisy, movie=movie, pixel_size=detector)

            return run

        return ours
    runner = _peer(method, seed=seed, workdir=workdir)

    def build(detector: float | None, shape: tuple[int, int]) -> Runner:
        return runner if detector is None else on_model_grid(runner, shape)

    return build


def _peer(method: str, *, seed: int, workdir: Path) -> Runner:
    """The runner of one peer; raise Unavailable or ImportError if it cannot run."""
    if method == "bm3d":
        import bm3d  # noqa: F401  (fail early when it is not installed)
        import bm3d_peer

        return lambda noisy, dose, movie: bm3d_peer.run(noisy, dose=dose, seed=seed)
    if method == "n2v":
        import n2v_peer

        n2v_peer.import_careamics()  # fail early when it is not installed

        def n2v(noisy: np.ndarray, dose: float, movie: bool) -> Result:
            folder = workdir / f"{'movie' if movie else 'images'}-{dose:g}"
            return n2v_peer.run(noisy, dose=dose, seed=seed, workdir=folder)

        return n2v
    if method == "ne2ne":
        import ne2ne_peer

        return lambda noisy, dose, movie: ne2ne_peer.run(noisy, dose=dose, seed=seed)
    if method == "tk_r_em":
        import tk_r_em_peer

        tk_r_em_peer.check()
        return lambda noisy, dose, movie: tk_r_em_peer.run(noisy)
    raise ValueError(f"unknown method {method!r}")


def _evaluate(
    dataset: Dataset,
    dose: float,
    truth: np.ndarray,
    noisy: np.ndarray,
    runners: dict[str, Runner],
    skipped: dict[str, str],
    crops: dict[str, tuple[np.ndarray, float | None]] | None,
    pixel_size: float,
    scale: float,
) -> list[dict[str, Any]]:
    """Rows for the noisy input, the oracle Gaussian and each runner on one noisy stack.

    ``pixel_size`` is that of the scored frames, ``scale`` their sampling relative to the
    images' own grid (the Gaussian's sigmas scale with it). When ``crops`` is given, each
    method's first image and psnr_count are put in it.
    """
    sigma, smoothed = best_gaussian(truth, noisy, scale)
    outputs: dict[str, Result | None] = {
        "noisy input": None,
        f"Gaussian, best sigma {sigma:g} px": Result(smoothed, 0.0),
    }
    for label, runner in runners.items():
        try:
            outputs[label] = runner(noisy, dose, dataset.movie)
        except Unavailable as error:
            skipped[f"{label} on {dataset.name}"] = str(error)
            print(f"skipped {label} on {dataset.name}: {error}", flush=True)
    rows = []
    for label, result in outputs.items():
        row = {"data": dataset.name, **score(dose, label, truth, result, noisy, pixel_size)}
        rows.append(row)
        if crops is not None:
            image = noisy[0] if result is None else result.estimate[0]
            crops[label] = (image, row["psnr_count"])
    return rows


def _crop_window(clean: np.ndarray, *, size: int, scale: float = 1.0) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window where the clean image varies most on large scales.

    That is where particle, support and vacuum meet: the surface the figure is about.
    "Large" is 8 px of the model grid (``scale`` times as many of a finer detector).
    """
    from scipy import ndimage

    coarse = ndimage.gaussian_filter(clean.astype(np.float64), 8.0 * scale)
    mean = ndimage.uniform_filter(coarse, size)
    spread = ndimage.uniform_filter(coarse**2, size) - mean**2
    half = size // 2
    inner = spread[half : clean.shape[0] - half, half : clean.shape[1] - half]
    r, c = np.unravel_index(np.argmax(inner), inner.shape)
    return slice(int(r), int(r) + size), slice(int(c), int(c) + size)


def _describe(dataset: Dataset) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "source": dataset.source,
        "shape": list(dataset.clean.shape),
        "pixel_size": dataset.pixel_size,
    }


def _print(rows: list[dict[str, Any]], *, header: bool) -> None:
    if header:
        print(
            f"| {'data':<11} | {'dose':>4} | {'A/px':>4} | {'e/A^2':>5} | {'method':<26} "
            f"| {'psnr_count':>10} | {'psnr_range':>10} | {'SSIM':>5} | {'s/MP':>6} "
            f"| {'train s':>7} |"
        )
        print("|" + "|".join("-" * (w + 2) for w in (11, 4, 4, 5, 26, 10, 10, 5, 6, 7)) + "|")
    for r in rows:
        a_px = f"{r['pixel_size']:g}" if r.get("pixel_size") else "-"
        e_a2 = f"{r['electrons_per_A2']:.3g}" if r.get("electrons_per_A2") else "-"
        rng = f"{r['psnr_range']:.2f}" if r["psnr_range"] is not None else "-"
        ss = f"{r['ssim']:.3f}" if r["ssim"] is not None else "-"
        sp = f"{r['seconds_per_megapixel']:.2f}" if r["seconds_per_megapixel"] else "-"
        tr = f"{r['train_seconds']:.0f}" if r["train_seconds"] else "-"
        print(
            f"| {r['data']:<11} | {r['dose']:>4g} | {a_px:>4} | {e_a2:>5} | {r['method']:<26} "
            f"| {r['psnr_count']:>10.2f} | {rng:>10} | {ss:>5} | {sp:>6} | {tr:>7} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
