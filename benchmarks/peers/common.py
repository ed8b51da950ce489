"""Data, noise and scoring shared by the peer benchmark: the same as ``benchmarks/quality.py``.

The clean images are in units where vacuum = 1; one Poisson draw per dose is seeded by
``np.random.default_rng([seed, dose_index])`` over the whole stack, as in ``quality.py``,
so the rows for the noisy input, the oracle Gaussian and the shipped models reproduce
that benchmark's numbers on the same images. Scores are those of ``quality.py``'s rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from quality import _best_gaussian, _row

__all__ = ["Dataset", "Result", "best_gaussian", "draw", "load_movie", "load_test", "score"]

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


def draw(clean: np.ndarray, dose: float, *, seed: int, dose_index: int) -> tuple[np.ndarray, ...]:
    """Expected and Poisson-drawn counts of ``clean`` at ``dose``, seeded as in quality.py.

    Returns
    -------
    truth, noisy : ndarray of float32, shape of ``clean``
    """
    truth = clean * np.float32(dose)
    rng = np.random.default_rng([seed, dose_index])
    return truth, rng.poisson(truth).astype(np.float32)


def score(
    dose: float, method: str, truth: np.ndarray, result: Result | None, noisy: np.ndarray
) -> dict[str, Any]:
    """Mean psnr_count, psnr_range and SSIM of ``result`` (None: the noisy input) as a row.

    Seconds per megapixel count the denoising alone; training on the noisy data itself
    is reported apart in ``train_seconds``.
    """
    if result is None:
        return {**_row(dose, method, truth, noisy, 0.0), "train_seconds": 0.0, "note": ""}
    megapixels = noisy.size / 1e6
    row = _row(dose, method, truth, result.estimate, result.seconds / megapixels)
    return {**row, "train_seconds": round(result.train_seconds, 1), "note": result.note}
