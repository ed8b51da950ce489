"""Dose, Fano factor and count histogram against Poisson of a vacuum or flat region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from temdenoise.noise.counting import poisson_pmf
from temdenoise.noise.fit_counting import MAX_COUNT
from temdenoise.noise.frames import check_frames, is_integer_valued
from temdenoise.noise.goodness import chi2_per_dof, kl_divergence


@dataclass(frozen=True)
class FlatFit:
    """Statistics of a vacuum or flat region of single frames.

    Attributes
    ----------
    mean, variance : float
        Per pixel per frame, in the frames' units.
    pixels : int
    values, observed, poisson : ndarray of shape (n_values,) or None
        For integer counts: count values 0 .. max, their measured frequencies and the
        Poisson probabilities at ``mean``.
    kl, chi2 : float or None
        KL(observed || Poisson) in nats and the Pearson chi-square per dof (integer data).

    """

    mean: float
    variance: float
    pixels: int
    values: np.ndarray | None
    observed: np.ndarray | None
    poisson: np.ndarray | None
    kl: float | None
    chi2: float | None

    @property
    def fano(self) -> float:
        """Variance / mean (1 for Poisson counts)."""
        return self.variance / self.mean if self.mean else float("nan")

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "mean": self.mean,
            "variance": self.variance,
            "fano": self.fano,
            "pixels": self.pixels,
            "poisson_kl": self.kl,
            "poisson_chi2_per_dof": self.chi2,
        }


def fit_flat(frames: np.ndarray) -> FlatFit:
    """Dose and count histogram of a vacuum or flat region.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns) or (rows, columns)
        Counts (or detector values) per pixel of a region of uniform illumination.

    Returns
    -------
    FlatFit
        ``mean`` is the Poisson dose estimate (counts per pixel per frame) for counts.

    """
    x = check_frames(frames, what="flat region")
    mean, variance = float(x.mean()), float(x.var(ddof=1))
    if not is_integer_valued(x) or x.max() > MAX_COUNT:
        return FlatFit(mean, variance, x.size, None, None, None, None, None)
    counts = np.bincount(x.reshape(-1).astype(np.int64))
    observed = counts / x.size
    values = np.arange(counts.size)
    poisson = poisson_pmf(np.array(mean), counts.size)
    return FlatFit(
        mean=mean,
        variance=variance,
        pixels=x.size,
        values=values,
        observed=observed,
        poisson=poisson,
        kl=float(kl_divergence(observed, poisson)),
        chi2=chi2_per_dof(counts.astype(np.float64), poisson * x.size, parameters=1),
    )
