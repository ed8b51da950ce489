"""Goodness of fit of the noise fits: KL divergence and Pearson chi-square per dof."""

from __future__ import annotations

import numpy as np


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) in nats along the last axis; terms with p = 0 contribute 0."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(np.maximum(q, 1e-300))), 0.0)
    return np.asarray(terms.sum(axis=-1))


def chi2_per_dof(observed: np.ndarray, expected: np.ndarray, *, parameters: int = 0) -> float:
    """Pearson chi-square over cells with >= 5 expected counts, per degree of freedom."""
    keep = expected >= 5
    dof = max(1, int(keep.sum()) - 1 - parameters)
    return float(np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep]) / dof)
