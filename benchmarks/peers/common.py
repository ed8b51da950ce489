"""Data, noise and scoring shared by the peer benchmark: the same as ``benchmarks/quality.py``.

The clean images are in units where vacuum = 1; one Poisson draw per dose is seeded by
``np.random.default_rng([seed, dose_index])`` over the whole stack, as in ``quality.py``,
so the rows for the noisy input, the oracle Gaussian and the shipped models reproduce
that benchmark's numbers on the same images. Scores are those of ``quality.py``'s rows.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from quality import _best_gaussian, _row, expected_counts

__all__ = [
    "Dataset",
    "Result",
    "best_gaussian",
    "draw",
    "load_movie",
    "load_test",
    "on_model_grid",
    "score",
]

best_gaussian = _best_gaussian
"""``best_gaussian(truth, noisy) -> (sigma, smoothed)``: the oracle Gaussian of quality.py."""


@dataclass(frozen=True)
class Dataset:
    """Clean images of one kind, in units where vacuum = 1.

    Attributes
    ----------
    name : str
        "test images" or "demo movie".
    clean : ndarray of float32, shape (images, rows, columns)
    pixel_size : float
        Angstrom per pixel.
    movie : bool
        True when consecutive images are frames of one movie.
    source : str
        Where the images were read.
    """

    name: str
    clean: np.ndarray
    pixel_size: float
    movie: bool
    source: str


@dataclass(frozen=True)
class Result:
    """One method's output on one noisy stack.

    Attributes
    ----------
    estimate : ndarray of float32, shape (images, rows, columns)
        Denoised counts per pixel.
    seconds : float
        Wall time of the denoising (inference) alone.
    train_seconds : float
        Wall time of training on the noisy data itself (0 for methods that do not train).
    note : str
        Settings worth printing (sigma, steps, ...).
    """

    estimate: np.ndarray
    seconds: float
    train_seconds: float = 0.0
    note: str = ""


def load_test(path: Path, images: int) -> Dataset:
    """The first ``images`` images of the test split of a ``temdenoise simulate`` dataset."""
    from temdenoise.train.data import read_clean

    test = read_clean(path, "test")
    if test is None:
        raise SystemExit(f"{path}: no test split")
    clean = test.images.numpy()[:images].astype(np.float32)
    return Dataset("test images", clean, float(test.pixel_size), False, str(path))


def load_movie(demo: Path, frames: int) -> Dataset:
    """The first ``frames`` frames of the clean movie of a ``temdenoise demo`` folder.

    The demo stores expected counts at its own dose (vacuum mean = dose); they are
    divided by that dose so that, like the test images, vacuum = 1.
    """
    import zarr

    group: Any = zarr.open_group(demo / "clean.zarr", mode="r")
    attrs = group.attrs.asdict()
    clean = np.asarray(group["clean"][:frames], dtype=np.float32) / np.float32(attrs["dose"])
    return Dataset("demo movie", clean, float(attrs["pixel_size"]), True, str(demo))


def draw(
    clean: np.ndarray, dose: float, *, seed: int, dose_index: int, side: int | None = None
) -> tuple[np.ndarray, ...]:
    """Expected and Poisson-drawn counts of ``clean`` at ``dose``, seeded as in quality.py.

    ``side`` (default: the images' own) puts them on a finer detector grid first, as
    ``quality.py --detector-pixel-size`` does; ``dose`` is then per detector pixel.

    Returns
    -------
    truth, noisy : ndarray of float32, shape (images, side, side)
    """
    truth = expected_counts(clean, dose, side or clean.shape[1])
    rng = np.random.default_rng([seed, dose_index])
    return truth, rng.poisson(truth).astype(np.float32)


def on_model_grid(
    runner: Callable[[np.ndarray, float, bool], Result], shape: tuple[int, int]
) -> Callable[[np.ndarray, float, bool], Result]:
    """``runner`` applied as temdenoise applies its models to finely sampled frames.

    The noisy frames are binned onto the model grid ``shape`` by area (counts conserved,
    ``temdenoise.infer.resample.bin_frames``), denoised there at the dose per binned pixel,
    and the result is enlarged back (``enlarge_frames``) and scaled so that each frame
    keeps its input's total counts: the pre- and post-processing that ``temdenoise
    denoise --pixel-size`` gives the shipped models, so every method sees the same pixels.
    Its seconds include the binning and the enlargement.
    """
    from temdenoise.infer.resample import bin_frames, enlarge_frames

    def run(noisy: np.ndarray, dose: float, movie: bool) -> Result:
        started = time.perf_counter()
        binned = bin_frames(noisy, shape)
        area = noisy.shape[1] * noisy.shape[2] / (shape[0] * shape[1])
        result = runner(binned, dose * area, movie)
        estimate = enlarge_frames(result.estimate, noisy.shape[1:])
        totals = noisy.sum(axis=(1, 2), dtype=np.float64)
        sums = estimate.sum(axis=(1, 2), dtype=np.float64)
        gain = np.divide(totals, sums, out=np.ones_like(totals), where=sums > 0)
        estimate *= gain.astype(np.float32)[:, None, None]
        seconds = time.perf_counter() - started - result.train_seconds
        return Result(estimate, seconds, result.train_seconds, result.note)

    return run


def score(
    dose: float,
    method: str,
    truth: np.ndarray,
    result: Result | None,
    noisy: np.ndarray,
    pixel_size: float | None = None,
) -> dict[str, Any]:
    """Mean psnr_count, psnr_range and SSIM of ``result`` (None: the noisy input) as a row.

    Seconds per megapixel count the denoising alone; training on the noisy data itself
    is reported apart in ``train_seconds``.
    """
    if result is None:
        row = _row(dose, method, truth, noisy, 0.0, pixel_size=pixel_size)
        return {**row, "train_seconds": 0.0, "note": ""}
    megapixels = noisy.size / 1e6
    s_per_mp = result.seconds / megapixels
    row = _row(dose, method, truth, result.estimate, s_per_mp, pixel_size=pixel_size)
    return {**row, "train_seconds": round(result.train_seconds, 1), "note": result.note}
