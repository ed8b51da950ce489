"""Detected atom columns scored against the truth: precision, recall, F1, on the surface too.

Positions are float arrays of shape (n, 2) holding (row, column) in pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import spatial


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
