"""Atom columns: detection, surface-atom precision/recall/F1, per-atom likelihood ratios.

Pure NumPy/SciPy. Positions are float arrays of shape (n, 2) holding (row, column) in
pixels; images are counts per pixel.

The likelihood ratio asks of each atom column in a denoised image whether the raw counts
support it: with the denoised intensity ``mu`` and the background (vacuum) level ``b`` as
two Poisson hypotheses for the counts ``k`` of the pixels within ``radius`` of the column,

    LLR = sum_i [k_i log(mu_i / b_i) - (mu_i - b_i)]    (nats)

is positive when the data favour the atom and negative when they favour its absence: an
atom the denoiser invented (or a hallucinated surface adatom) scores below zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import ndimage, spatial


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


def surface_atoms(positions: np.ndarray, *, neighbour_distance: float | None = None) -> np.ndarray:
    """Mark the atoms with fewer neighbours than the bulk (the particle's surface).

    Parameters
    ----------
    positions : ndarray of shape (n, 2)
        (row, column) of the columns, px.
    neighbour_distance : float, optional
        Two columns are neighbours within this distance, px. Default: 1.5 times the
        median nearest-neighbour distance.

    Returns
    -------
    ndarray of bool, shape (n,)
        True for surface atoms: coordination below the bulk value (the 90th percentile of
        the coordinations). Columns at the image border count as surface too.

    """
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        return np.ones(len(points), dtype=bool)
    tree = spatial.cKDTree(points)
    if neighbour_distance is None:
        nearest, _ = tree.query(points, k=2)
        neighbour_distance = 1.5 * float(np.median(nearest[:, 1]))
    counts = np.array([len(n) - 1 for n in tree.query_ball_point(points, neighbour_distance)])
    bulk = float(np.percentile(counts, 90))
    return np.asarray(counts < bulk)


@dataclass(frozen=True)
class AtomScores:
    """Detected atom columns scored against ground-truth positions.

    Attributes
    ----------
    precision, recall, f1 : float
        Over all columns (NaN when undefined: no detections or no truth).
    surface_precision, surface_recall, surface_f1 : float
        Over the surface: truth atoms marked as surface, and the detections assigned to
        them (matched to a surface atom, or unmatched with a surface atom as the nearest
        truth atom: invented adatoms count here).
    n_detected, n_truth, n_matched : int
    n_surface_truth, n_surface_detected, n_surface_matched : int
    matches : ndarray of shape (n_matched, 2)
        Index pairs (detection, truth).
    false_positives : ndarray of shape (n_detected - n_matched,)
        Indices of unmatched detections.
    false_negatives : ndarray of shape (n_truth - n_matched,)
        Indices of missed truth atoms.
    surface : ndarray of bool, shape (n_truth,)
        Which truth atoms are surface atoms.

    """

    precision: float
    recall: float
    f1: float
    surface_precision: float
    surface_recall: float
    surface_f1: float
    n_detected: int
    n_truth: int
    n_matched: int
    n_surface_truth: int
    n_surface_detected: int
    n_surface_matched: int
    matches: np.ndarray = field(repr=False)
    false_positives: np.ndarray = field(repr=False)
    false_negatives: np.ndarray = field(repr=False)
    surface: np.ndarray = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        names: tuple[str, ...] = (
            "precision",
            "recall",
            "f1",
            "surface_precision",
            "surface_recall",
        )
        names += ("surface_f1", "n_detected", "n_truth", "n_matched", "n_surface_truth")
        names += ("n_surface_detected", "n_surface_matched")
        return {name: getattr(self, name) for name in names}


def score_atoms(
    detected: np.ndarray,
    truth: np.ndarray,
    *,
    tolerance: float,
    surface: np.ndarray | None = None,
) -> AtomScores:
    """Match detections to ground-truth columns and compute precision, recall and F1.

    Pairs closer than ``tolerance`` are matched one-to-one, closest first.

    Parameters
    ----------
    detected : ndarray of shape (n, 2)
        Detected (row, column), px.
    truth : ndarray of shape (m, 2)
        True (row, column), px.
    tolerance : float
        Largest distance of a match, px (e.g. a third of the column spacing).
    surface : ndarray of bool, shape (m,), optional
        Which truth atoms are surface atoms. Default: :func:`surface_atoms` of ``truth``.

    Returns
    -------
    AtomScores

    """
    det = np.asarray(detected, dtype=np.float64).reshape(-1, 2)
    tru = np.asarray(truth, dtype=np.float64).reshape(-1, 2)
    is_surface = surface_atoms(tru) if surface is None else np.asarray(surface, dtype=bool)
    if is_surface.shape != (len(tru),):
        raise ValueError(f"surface needs one flag per truth atom ({len(tru)})")
    matches = _match(det, tru, tolerance)
    matched_det = np.zeros(len(det), dtype=bool)
    matched_tru = np.zeros(len(tru), dtype=bool)
    matched_det[matches[:, 0]] = True
    matched_tru[matches[:, 1]] = True

    # each detection belongs to its matched truth atom, or else to its nearest one
    owner = np.full(len(det), -1)
    owner[matches[:, 0]] = matches[:, 1]
    if len(tru) and np.any(~matched_det):
        _, nearest = spatial.cKDTree(tru).query(det[~matched_det])
        owner[~matched_det] = nearest
    det_surface = (owner >= 0) & is_surface[np.maximum(owner, 0)] if len(tru) else matched_det
    n_surface_matched = int(np.sum(is_surface[matches[:, 1]]))

    precision, recall, f1 = _prf(len(matches), len(det), len(tru))
    s_precision, s_recall, s_f1 = _prf(
        n_surface_matched, int(det_surface.sum()), int(is_surface.sum())
    )
    return AtomScores(
        precision=precision,
        recall=recall,
        f1=f1,
        surface_precision=s_precision,
        surface_recall=s_recall,
        surface_f1=s_f1,
        n_detected=len(det),
        n_truth=len(tru),
        n_matched=len(matches),
        n_surface_truth=int(is_surface.sum()),
        n_surface_detected=int(det_surface.sum()),
        n_surface_matched=n_surface_matched,
        matches=matches,
        false_positives=np.flatnonzero(~matched_det),
        false_negatives=np.flatnonzero(~matched_tru),
        surface=is_surface,
    )


def _match(det: np.ndarray, tru: np.ndarray, tolerance: float) -> np.ndarray:
    """One-to-one matches (detection, truth) within ``tolerance``, closest pairs first."""
    if len(det) == 0 or len(tru) == 0:
        return np.zeros((0, 2), dtype=int)
    pairs = spatial.cKDTree(det).sparse_distance_matrix(
        spatial.cKDTree(tru), tolerance, output_type="ndarray"
    )
    order = np.argsort(pairs["v"], kind="stable")
    used_det: set[int] = set()
    used_tru: set[int] = set()
    result = []
    for i, j in zip(pairs["i"][order], pairs["j"][order], strict=True):
        if i not in used_det and j not in used_tru:
            used_det.add(int(i))
            used_tru.add(int(j))
            result.append((int(i), int(j)))
    return np.array(result, dtype=int).reshape(-1, 2)


def _prf(matched: int, detected: int, truth: int) -> tuple[float, float, float]:
    precision = matched / detected if detected else math.nan
    recall = matched / truth if truth else math.nan
    f1 = 2 * matched / (detected + truth) if detected + truth else math.nan
    return precision, recall, f1


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


def atom_map(
    shape: tuple[int, int], positions: np.ndarray, values: np.ndarray, *, radius: float
) -> np.ndarray:
    """Paint one value per atom column over its disc, for display.

    Parameters
    ----------
    shape : tuple of int
        (rows, columns) of the image.
    positions : ndarray of shape (n, 2)
        (row, column) of the columns, px.
    values : ndarray of shape (n,)
        Value of each column (e.g. its log-likelihood ratio).
    radius : float
        Disc radius, px (at least one pixel is painted).

    Returns
    -------
    ndarray of shape (rows, columns)
        The values on the discs (a later column wins where discs overlap), NaN elsewhere.

    """
    painted = np.full(shape, np.nan)
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    reach = max(math.ceil(radius), 0)
    dr, dc = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    for (row, column), value in zip(points, np.asarray(values, dtype=np.float64), strict=True):
        r, c = np.rint(row).astype(int) + dr, np.rint(column).astype(int) + dc
        inside = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
        inside &= ((r - row) ** 2 + (c - column) ** 2 <= max(radius, 0.5) ** 2) | (
            (r == np.rint(row)) & (c == np.rint(column))
        )
        painted[r[inside], c[inside]] = value
    return painted
