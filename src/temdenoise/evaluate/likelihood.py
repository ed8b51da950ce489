"""Per-atom Poisson likelihood ratios: whether the raw counts support each denoised column.

The likelihood ratio asks of each atom column in a denoised image whether the raw counts
support it: with the denoised intensity ``mu`` and the background (vacuum) level ``b`` as
two Poisson hypotheses for the counts ``k`` of the pixels within ``radius`` of the column,

    LLR = sum_i [k_i log(mu_i / b_i) - (mu_i - b_i)]    (nats)

is positive when the data favour the atom and negative when they favour its absence: an
atom the denoiser invented (or a hallucinated surface adatom) scores below zero.
Positions are (row, column) in pixels; images are counts per pixel.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


def log_likelihood_ratio_map(
    counts: np.ndarray, denoised: np.ndarray, *, background: float | np.ndarray
) -> np.ndarray:
    """Per-pixel Poisson log-likelihood ratio ``k log(mu / b) - (mu - b)``, nats.

    Parameters
    ----------
    counts : ndarray of shape (rows, columns)
        Raw counts of one frame.
    denoised : ndarray of shape (rows, columns)
        Denoised intensity ``mu``, expected counts per pixel (clipped below at 1e-6).
    background : float or ndarray of shape (rows, columns)
        Vacuum or background level ``b``, expected counts per pixel (positive).

    Returns
    -------
    ndarray of shape (rows, columns)
        Positive where the counts favour the denoised intensity over the background.

    """
    k = np.asarray(counts, dtype=np.float64)
    mu = np.maximum(np.asarray(denoised, dtype=np.float64), 1e-6)
    b = np.asarray(background, dtype=np.float64)
    if k.shape != mu.shape:
        raise ValueError(f"counts {k.shape} and denoised {mu.shape} differ in shape")
    if np.any(b <= 0):
        raise ValueError("the background level must be positive")
    return np.asarray(k * np.log(mu / b) - (mu - b))


def atom_log_likelihood_ratios(
    counts: np.ndarray,
    denoised: np.ndarray,
    positions: np.ndarray,
    *,
    background: float | np.ndarray,
    radius: float,
) -> np.ndarray:
    """Poisson log-likelihood ratio of each atom column: atom (denoised) vs background.

    Parameters
    ----------
    counts : ndarray of shape (rows, columns)
        Raw counts of the frame that was denoised.
    denoised : ndarray of shape (rows, columns)
        Denoised intensity, expected counts per pixel.
    positions : ndarray of shape (n, 2)
        (row, column) of the columns, px.
    background : float or ndarray of shape (rows, columns)
        Vacuum or background level, counts per pixel (see :func:`estimate_background`).
    radius : float
        Pixels within this distance of a column's centre are summed, px.

    Returns
    -------
    ndarray of shape (n,)
        Nats; negative where the raw counts do not support the atom.

    """
    density = log_likelihood_ratio_map(counts, denoised, background=background)
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    reach = math.ceil(radius)
    dr, dc = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    result = np.zeros(len(points))
    for index, (row, column) in enumerate(points):
        r, c = np.rint(row).astype(int) + dr, np.rint(column).astype(int) + dc
        inside = (r >= 0) & (r < density.shape[0]) & (c >= 0) & (c < density.shape[1])
        inside &= (r - row) ** 2 + (c - column) ** 2 <= radius**2
        result[index] = float(density[r[inside], c[inside]].sum())
    return result


def estimate_background(
    image: np.ndarray, positions: np.ndarray, *, radius: float, margin: float = 2.0
) -> float:
    """Background level: the median of the pixels far from every atom column.

    Parameters
    ----------
    image : ndarray of shape (rows, columns)
        Denoised intensity, counts per pixel.
    positions : ndarray of shape (n, 2)
        (row, column) of the columns, px.
    radius : float
        Atom radius, px; pixels nearer than ``margin * radius`` to a column are left out.
    margin : float
        Multiple of ``radius`` kept clear of the columns.

    Returns
    -------
    float
        Counts per pixel (the median of the whole image when no pixel is clear).

    """
    values = np.asarray(image, dtype=np.float64)
    centres = np.zeros(values.shape, dtype=bool)
    points = np.rint(np.asarray(positions).reshape(-1, 2)).astype(int)
    inside = np.all((points >= 0) & (points < np.array(values.shape)), axis=1)
    centres[points[inside, 0], points[inside, 1]] = True
    if not centres.any():
        return float(np.median(values))
    clear = ndimage.distance_transform_edt(~centres) > margin * radius
    return float(np.median(values[clear] if clear.any() else values))
