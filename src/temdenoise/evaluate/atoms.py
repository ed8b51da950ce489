"""Atom columns: detection as local extrema of the smoothed image, refined to sub-pixel.

Pure NumPy/SciPy. Positions are float arrays of shape (n, 2) holding (row, column) in
pixels; images are counts per pixel. Scoring against the truth is in
:mod:`temdenoise.evaluate.atom_scores`, the per-atom likelihood ratios in
:mod:`temdenoise.evaluate.likelihood`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import ndimage


def detect_atoms(
    image: np.ndarray,
    *,
    sigma: float = 1.5,
    min_distance: int = 4,
    threshold: float | None = None,
    polarity: Literal["bright", "dark"] = "bright",
) -> np.ndarray:
    """Find atom columns as local extrema of the smoothed image.

    Parameters
    ----------
    image : ndarray of shape (rows, columns)
        Counts per pixel (a denoised or clean image; raw counts are too noisy).
    sigma : float
        Gaussian smoothing before the search, px (0: none).
    min_distance : int
        Smallest distance between two columns, px (half the side of the search window).
    threshold : float, optional
        Lowest smoothed intensity of a bright column (highest of a dark one), counts per
        pixel. Default: Otsu's threshold of the smoothed image.
    polarity : {"bright", "dark"}
        Whether columns are brighter or darker than their surroundings.

    Returns
    -------
    ndarray of shape (n, 2)
        (row, column) of each column, sub-pixel (parabolic refinement), in px.

    """
    smoothed = np.asarray(image, dtype=np.float64)
    if sigma > 0:
        smoothed = ndimage.gaussian_filter(smoothed, sigma, mode="reflect")
    if polarity == "dark":
        smoothed = -smoothed
        threshold = None if threshold is None else -threshold
    level = otsu_threshold(smoothed) if threshold is None else threshold
    size = 2 * max(int(min_distance), 1) + 1
    peaks = (smoothed == ndimage.maximum_filter(smoothed, size=size, mode="nearest")) & (
        smoothed > level
    )
    labels, n = ndimage.label(peaks)
    if n == 0:
        return np.zeros((0, 2))
    where = np.array(ndimage.maximum_position(smoothed, labels, np.arange(1, n + 1)), dtype=int)
    return _refine(smoothed, where)


def otsu_threshold(image: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold: the level maximising the between-class variance of the histogram."""
    values = np.asarray(image, dtype=np.float64).ravel()
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return high
    hist, edges = np.histogram(values, bins=bins, range=(low, high))
    centres = 0.5 * (edges[1:] + edges[:-1])
    weight_low = np.cumsum(hist)
    weight_high = weight_low[-1] - weight_low
    mean_low = np.cumsum(hist * centres) / np.maximum(weight_low, 1)
    mean_high = (np.sum(hist * centres) - np.cumsum(hist * centres)) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(between[:-1])) + 1])


def _refine(smoothed: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Parabolic sub-pixel refinement along each axis (none at the border)."""
    positions = where.astype(np.float64)
    for axis in (0, 1):
        inside = (where[:, axis] > 0) & (where[:, axis] < smoothed.shape[axis] - 1)
        idx = where[inside]
        step = np.zeros(2, dtype=int)
        step[axis] = 1
        minus = smoothed[tuple((idx - step).T)]
        centre = smoothed[tuple(idx.T)]
        plus = smoothed[tuple((idx + step).T)]
        curvature = minus - 2 * centre + plus
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(curvature < 0, 0.5 * (minus - plus) / curvature, 0.0)
        positions[inside, axis] += np.clip(shift, -0.5, 0.5)
    return positions
