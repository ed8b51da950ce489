"""Line profiles integrated over a width (the seed's Figure 2c) and their SNR (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage

Point = tuple[float, float]
"""(row, column) in pixels."""


@dataclass(frozen=True)
class LineProfile:
    """Intensity along a line, integrated across it.

    Attributes
    ----------
    distance : ndarray of shape (n,)
        Distance from ``start`` along the line, px (spacing 1 px).
    values : ndarray of shape (n,)
        Sum (or mean) over ``width`` samples across the line at each distance, counts.
    start, end : tuple of float
        (row, column) of the line's ends, px.
    width : int
        Samples across the line (1 px apart).
    reduce : {"sum", "mean"}
        How the samples across the line were combined.

    """

    distance: np.ndarray
    values: np.ndarray
    start: Point
    end: Point
    width: int
    reduce: str


def line_profile(
    image: np.ndarray,
    start: Point,
    end: Point,
    *,
    width: int = 10,
    reduce: Literal["sum", "mean"] = "sum",
    order: int = 1,
) -> LineProfile:
    """Profile from ``start`` to ``end`` integrated over ``width`` px across the line.

    Samples are 1 px apart along the line (both ends included when the length is a whole
    number of pixels) and ``width`` samples 1 px apart across it, centred on the line; each
    is interpolated (``order`` 1: bilinear) from the image. The seed integrates over 10 px.

    Parameters
    ----------
    image : ndarray of shape (rows, columns)
        Counts per pixel.
    start, end : tuple of float
        (row, column) of the ends, px.
    width : int
        Samples across the line.
    reduce : {"sum", "mean"}
        ``"sum"``: counts integrated over the width; ``"mean"``: counts per pixel.
    order : int
        Spline order of the interpolation (0 nearest, 1 bilinear, 3 cubic).

    Returns
    -------
    LineProfile

    Raises
    ------
    ValueError
        Equal ends, a width below 1, or a line that leaves the image.

    """
    data = np.asarray(image, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"a line profile needs one image (rows, columns), got {data.shape}")
    (r0, c0), (r1, c1) = (float(v) for v in start), (float(v) for v in end)
    length = math.hypot(r1 - r0, c1 - c0)
    if length == 0:
        raise ValueError("the line's two ends are the same point")
    if width < 1:
        raise ValueError(f"width must be at least 1 px, got {width}")
    along = np.array([r1 - r0, c1 - c0]) / length
    across = np.array([-along[1], along[0]])
    distance = np.arange(math.floor(length + 1e-9) + 1, dtype=np.float64)
    offsets = np.arange(width, dtype=np.float64) - (width - 1) / 2
    points = (
        np.array([r0, c0])[None, None, :]
        + distance[:, None, None] * along[None, None, :]
        + offsets[None, :, None] * across[None, None, :]
    )
    rows, columns = points[..., 0], points[..., 1]
    slack = 1e-6
    if (
        rows.min() < -slack
        or columns.min() < -slack
        or rows.max() > data.shape[0] - 1 + slack
        or columns.max() > data.shape[1] - 1 + slack
    ):
        raise ValueError(
            f"the line from {start} to {end}, {width} px wide, leaves the "
            f"{data.shape[0]} x {data.shape[1]} px image"
        )
    samples = ndimage.map_coordinates(data, [rows, columns], order=order, mode="nearest")
    values = samples.sum(axis=1) if reduce == "sum" else samples.mean(axis=1)
    return LineProfile(
        distance=distance,
        values=np.asarray(values),
        start=(r0, c0),
        end=(r1, c1),
        width=int(width),
        reduce=reduce,
    )


def profile_snr(values: np.ndarray, *, reference: np.ndarray | None = None) -> float:
    """Signal-to-noise ratio of a line profile (amplitude ratio, not dB).

    With a ``reference`` (the clean profile): ``std(reference) / rms(values - reference)``.
    Without one, the noise is estimated from second differences,
    ``sigma = std(diff(values, 2)) / sqrt(6)`` (exact for white noise on a signal that is
    smooth over 3 samples), and the signal is the standard deviation left once that noise
    is removed: ``sqrt(max(var(values) - sigma**2, 0)) / sigma``. Smoothed (denoised)
    profiles have correlated noise, which second differences see less of: for them the
    estimate is an upper bound; compare against a reference when there is one.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Profile (n >= 5 without a reference).
    reference : ndarray of shape (n,), optional
        Clean profile along the same line.

    Returns
    -------
    float
        ``inf`` when no noise is measured.

    """
    v = np.asarray(values, dtype=np.float64)
    if reference is not None:
        ref = np.asarray(reference, dtype=np.float64)
        if ref.shape != v.shape:
            raise ValueError(f"profile {v.shape} and reference {ref.shape} differ in shape")
        noise = math.sqrt(float(np.mean((v - ref) ** 2)))
        signal = float(np.std(ref))
    else:
        if v.size < 5:
            raise ValueError("a profile SNR without reference needs at least 5 samples")
        noise = float(np.std(np.diff(v, 2))) / math.sqrt(6.0)
        signal = math.sqrt(max(float(np.var(v)) - noise**2, 0.0))
    return math.inf if noise == 0 else signal / noise
