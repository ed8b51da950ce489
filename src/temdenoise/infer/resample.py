"""Count-conserving resampling between the data's pixel size and a model's (pure).

Frames are in counts per pixel, so their grid cannot be changed by interpolating values:

- **Binning** (to a coarser grid) integrates the counts over each new pixel's footprint
  with exact area weights, for any factor. The total is conserved. For an integer
  factor it is a plain sum of whole pixels, so Poisson counts stay Poisson. For a
  non-integer factor on integer counts, each input pixel's counts are split between the
  new pixels it straddles by a binomial draw with the area fractions as probabilities
  (each electron goes to where its unknown landing point falls): the result is exactly
  Poisson with the area-weighted mean, and the draw is seeded by the frame's bytes, so
  the same frame is always binned the same way. Non-integer data (expected counts)
  get the area-weighted sums.
- **Enlarging** (back to the data's grid) is the smooth inverse of binning: a cubic
  B-spline surface whose integral over every coarse pixel equals that pixel's value.
  Binning an enlarged image gives the image back, and the total is conserved.

Both act separably along rows and columns with sparse or banded matrices that depend only
on the two frame sizes (cached). Frames are independent: ``workers`` threads share them
(the sparse and banded solvers and NumPy release the GIL), with the same result for any
number of workers.
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

TOLERANCE = 0.01
"""Relative pixel-size difference below which frames are not resampled."""

MIN_PIXELS = 4
"""Fewest pixels per side a binned frame may have (the spline needs four knots)."""


class SamplingError(ValueError):
    """The data's pixel size is outside what a model can be brought to."""


def resample_factor(
    data_pixel_size: float | None,
    model_pixel_size: float,
    trained_range: tuple[float, float] | None = None,
) -> float | None:
    """Zoom from the data's grid to the model's (below 1: binning), or None for none.

    Data inside the model's trained pixel-size range are not resampled. Finer data are
    binned down to the model's grid, by a whole number of pixels when that lands inside
    the trained range (an exact Poisson sum), else exactly to the nominal pixel size.
    Coarser data are refused: the network would need detail the frames do not hold.

    Parameters
    ----------
    data_pixel_size : float or None
        Angstrom per pixel of the data; None (unknown) means no resampling.
    model_pixel_size : float
        Nominal angstrom per pixel of the model.
    trained_range : (float, float), optional
        Pixel sizes the model was trained over (rescaling augmentation); default the
        nominal pixel size alone.

    Returns
    -------
    float or None
        ``data_pixel_size / target`` (at most 1), or None.

    Raises
    ------
    SamplingError
        The data are coarser than the trained range.
    """
    if data_pixel_size is None:
        return None
    low, high = trained_range or (model_pixel_size, model_pixel_size)
    if data_pixel_size > high * (1 + TOLERANCE):
        raise SamplingError(
            f"pixel size {data_pixel_size:.4g} A/px is coarser than the model's trained "
            f"range {low:.4g}-{high:.4g} A/px"
        )
    if data_pixel_size >= low * (1 - TOLERANCE):
        return None
    whole = max(1, round(model_pixel_size / data_pixel_size))
    if low * (1 - TOLERANCE) <= whole * data_pixel_size <= high * (1 + TOLERANCE):
        return 1.0 / whole
    return data_pixel_size / model_pixel_size


def binned_shape(shape: tuple[int, int], factor: float) -> tuple[int, int]:
    """Frame size (rows, columns) on the model's grid for a zoom ``factor``."""
    return (max(1, round(shape[0] * factor)), max(1, round(shape[1] * factor)))


def bin_frames(frames: np.ndarray, shape: tuple[int, int], *, workers: int = 1) -> np.ndarray:
    """Integrate counts onto a coarser grid of ``shape``, conserving them exactly.

    The new pixels tile the frame exactly (``rows / shape[0]`` old pixels each, per
    axis). Integer-valued frames binned by a non-integer factor are split binomially
    (see the module docstring) and stay integer-valued and Poisson.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
        Counts per pixel, non-negative when integer-valued.
    shape : (int, int)
        New (rows, columns), each at most the old one.
    workers : int
        Threads binning frames side by side; the result does not depend on it.

    Returns
    -------
    ndarray of float32, shape (frames, *shape)
    """
    rows, cols = frames.shape[1:]
    if shape[0] > rows or shape[1] > cols:
        raise ValueError(f"cannot bin {rows} x {cols} px onto a finer {shape[0]} x {shape[1]}")
    if rows % shape[0] == 0 and cols % shape[1] == 0:  # whole pixels: a sum of blocks
        kr, kc = rows // shape[0], cols // shape[1]

        def one(frame: np.ndarray) -> np.ndarray:
            blocks = frame.reshape(shape[0], kr, shape[1], kc)
            wide = np.int64 if np.issubdtype(blocks.dtype, np.integer) else np.float64
            summed: np.ndarray = blocks.sum(axis=(1, 3), dtype=wide)
            return summed

        return _per_frame(one, frames, shape, workers)
    weights = (_bin_weights(rows, shape[0]), _bin_weights(cols, shape[1]))

    def split(frame: np.ndarray) -> np.ndarray:
        if _is_counts(frame):
            return _split_counts(frame, weights)
        return _weighted_sum(frame.astype(np.float64, copy=False), weights)

    return _per_frame(split, frames, shape, workers)


def enlarge_frames(frames: np.ndarray, shape: tuple[int, int], *, workers: int = 1) -> np.ndarray:
    """Bring binned frames back to a finer grid of ``shape``: the smooth inverse of binning.

    The result is a cubic B-spline surface sampled on the fine pixels, whose integral
    over each coarse pixel equals that pixel's value: ``bin_frames`` of the result
    returns ``frames`` (to round-off) and the total is conserved.

    Parameters
    ----------
    frames : ndarray of shape (frames, r, c)
        Counts per coarse pixel.
    shape : (int, int)
        Fine (rows, columns), each at least (r, c).
    workers : int
        Threads enlarging frames side by side; the result does not depend on it.

    Returns
    -------
    ndarray of float32, shape (frames, *shape)
    """
    r, c = frames.shape[1:]
    if shape[0] < r or shape[1] < c:
        raise ValueError(f"cannot enlarge {r} x {c} px onto a coarser {shape[0]} x {shape[1]}")
    if min(r, c) < MIN_PIXELS:
        raise ValueError(f"cannot enlarge {r} x {c} px: at least {MIN_PIXELS} px per side")
    rows, cols = _spline(shape[0], r), _spline(shape[1], c)

    def one(frame: np.ndarray) -> np.ndarray:
        coef = rows.coefficients(frame.astype(np.float64))
        coef = cols.coefficients(coef.T).astype(np.float32)  # (c + 2, r + 2)
        inner = np.ascontiguousarray((cols.basis32 @ coef).T)  # (r + 2, columns)
        return np.asarray(rows.basis32 @ inner)  # sampled in float32, the output's precision

    return _per_frame(one, frames, shape, workers)


def _per_frame(
    function: Callable[[np.ndarray], np.ndarray],
    frames: np.ndarray,
    shape: tuple[int, int],
    workers: int,
) -> np.ndarray:
    """Apply ``function`` to each frame into one float32 stack, on up to ``workers`` threads."""
    out = np.empty((frames.shape[0], *shape), dtype=np.float32)

    def one(i: int) -> None:
        out[i] = function(np.asarray(frames[i]))

    if workers > 1 and frames.shape[0] > 1:
        with ThreadPoolExecutor(min(workers, frames.shape[0])) as pool:
            list(pool.map(one, range(frames.shape[0])))  # list: re-raises a failure
    else:
        for i in range(frames.shape[0]):
            one(i)
    return out


def _is_counts(frame: np.ndarray) -> bool:
    """Integer-valued and non-negative: counted electrons."""
    if np.issubdtype(frame.dtype, np.integer):
        return bool(frame.min(initial=0) >= 0)
    return bool(np.all(frame >= 0) and np.all(frame == np.round(frame)))


class _BinWeights:
    """Per axis: the two new pixels each old pixel goes to and its share of the first."""

    def __init__(self, n_in: int, n_out: int) -> None:
        from scipy import sparse

        step = n_in / n_out
        j = np.arange(n_in)
        first = np.minimum((j * n_out) // n_in, n_out - 1)
        boundary = (first + 1) * step
        share = np.clip(boundary - j, 0.0, 1.0)
        second = np.minimum(first + 1, n_out - 1)
        self.n_out = n_out
        self.first, self.second, self.share = first, second, share
        self.straddling = np.flatnonzero((share > 0) & (share < 1))
        self.matrix = sparse.csr_matrix(
            (np.concatenate([share, 1.0 - share]), (np.concatenate([first, second]), [*j, *j])),
            shape=(n_out, n_in),
        )
        self.to_first = sparse.csr_matrix(
            (np.ones(n_in, dtype=np.float32), (first, j)), shape=(n_out, n_in)
        )

    def split(self, counts: np.ndarray, rng: np.random.Generator, axis: int) -> np.ndarray:
        """Bin integer ``counts`` (float32) along ``axis``, straddling pixels split binomially.

        Every pixel is first summed into the new pixel it starts in (a sparse product,
        exact in float32 below 2^24 counts); then a binomial share of the counts of each
        pixel that straddles a boundary (drawn only where there are counts) moves on to
        the next new pixel.
        """
        out = np.asarray(self.to_first @ counts if axis == 0 else counts @ self.to_first.T)
        if self.straddling.size:
            straddling = np.take(counts, self.straddling, axis=axis)
            some = np.nonzero(straddling)
            n = straddling[some].astype(np.int64)
            moved = np.zeros_like(straddling)
            moved[some] = n - rng.binomial(n, self.share[self.straddling][some[axis]])
            index: list[Any] = [slice(None), slice(None)]
            index[axis] = self.first[self.straddling]  # one straddling pixel per new pixel
            out[tuple(index)] -= moved
            index[axis] = self.second[self.straddling]
            out[tuple(index)] += moved
        return out


@functools.lru_cache(maxsize=16)
def _bin_weights(n_in: int, n_out: int) -> _BinWeights:
    return _BinWeights(n_in, n_out)


def _weighted_sum(frame: np.ndarray, weights: tuple[_BinWeights, _BinWeights]) -> np.ndarray:
    rows, cols = weights
    return np.asarray(rows.matrix @ (cols.matrix @ frame.T).T)


def _split_counts(frame: np.ndarray, weights: tuple[_BinWeights, _BinWeights]) -> np.ndarray:
    """Bin integer counts, splitting straddling pixels binomially (exactly Poisson).

    Counts are summed in float32: exact while a new pixel holds fewer than 2^24 counts.
    """
    rng = np.random.default_rng(zlib.crc32(np.ascontiguousarray(frame).tobytes()))
    counts = weights[0].split(frame.astype(np.float32), rng, axis=0)
    return weights[1].split(counts, rng, axis=1)


class _Spline:
    """Per axis: the cubic B-spline basis on the fine pixels and its banded linear system.

    Knots sit at the coarse pixel centres and one beyond each end; the two extra
    coefficients are fixed by a vanishing third difference at each end (the surface is
    a single cubic over its last pixels), the others by the pixels' integrals.
    """

    def __init__(self, n_fine: int, n_coarse: int) -> None:
        from scipy import sparse

        step = n_fine / n_coarse
        u = (np.arange(n_fine) + 0.5) / step - 0.5  # fine centres in coarse pixels
        base = np.floor(u).astype(np.int64)
        n = n_coarse + 2  # knots -1 .. n_coarse
        rows, cols, vals = [], [], []
        for k in range(-1, 3):
            knot = base + k
            keep = (knot >= -1) & (knot <= n_coarse)
            rows.append(np.nonzero(keep)[0])
            cols.append(knot[keep] + 1)
            vals.append(_cubic_bspline(u[keep] - knot[keep]))
        self.basis = sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_fine, n),
        )
        self.basis32 = self.basis.astype(np.float32)
        system = np.zeros((n, n))
        system[1:-1] = (_bin_weights(n_fine, n_coarse).matrix @ self.basis).toarray()
        third = np.array([1.0, -3.0, 3.0, -1.0])[: min(4, n)]
        system[0, : third.size] = third
        system[-1, n - third.size :] = third[::-1]
        nz = np.nonzero(system)
        lower = int(max(0, (nz[0] - nz[1]).max()))
        upper = int(max(0, (nz[1] - nz[0]).max()))
        self.bands = (lower, upper)
        self.ab = np.zeros((lower + upper + 1, n))
        self.ab[upper + nz[0] - nz[1], nz[1]] = system[nz]

    def coefficients(self, values: np.ndarray) -> np.ndarray:
        """Spline coefficients (n_coarse + 2, ...) whose bin integrals are ``values``."""
        from scipy.linalg import solve_banded

        rhs = np.zeros((values.shape[0] + 2, *values.shape[1:]))
        rhs[1:-1] = values
        return np.asarray(solve_banded(self.bands, self.ab, rhs))


@functools.lru_cache(maxsize=16)
def _spline(n_fine: int, n_coarse: int) -> _Spline:
    return _Spline(n_fine, n_coarse)


def _cubic_bspline(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return np.where(
        a < 1, 2.0 / 3.0 - a**2 + a**3 / 2.0, np.where(a < 2, (2.0 - a) ** 3 / 6.0, 0.0)
    )


def resampled_bytes(shape: tuple[int, int], factor: float, frames: int) -> int:
    """Bytes the resampling of ``frames`` frames of ``shape`` holds at its peak (float64)."""
    small = binned_shape(shape, factor)
    return frames * 4 * (math.prod(shape) + math.prod(small)) + 3 * 8 * math.prod(shape)
