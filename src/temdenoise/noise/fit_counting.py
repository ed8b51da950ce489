"""The empirical categorical count model of a counting detector, fitted to a static movie."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from temdenoise.errors import InputError
from temdenoise.noise.counting import Categorical, poisson_pmf
from temdenoise.noise.frames import check_frames, is_integer_valued
from temdenoise.noise.goodness import chi2_per_dof, kl_divergence

MIN_MOVIE_FRAMES = 8
"""Frames needed to estimate each pixel's intensity by temporal averaging."""
MAX_COUNT = 255
"""Largest count a counting detector's categorical table covers."""


def leave_one_out_mean(frames: np.ndarray, *, smooth: int = 0) -> np.ndarray:
    """Per-pixel intensity of each frame from the mean of all other frames.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
    smooth : int
        Also average over a (2 smooth + 1)^2 box of pixels (mirrored edges): less noise
        in the intensity estimate for scenes that vary slowly on that scale.

    Returns
    -------
    ndarray of shape (frames, rows, columns)
        ``(sum - frame) / (n - 1)``, box-averaged; independent of the frame's own counts.

    """
    total = frames.sum(axis=0, keepdims=True)
    loo = (total - frames) / (frames.shape[0] - 1)
    if smooth > 0:
        from scipy.ndimage import uniform_filter

        loo = uniform_filter(loo, size=(1, 2 * smooth + 1, 2 * smooth + 1), mode="mirror")
    return np.asarray(loo)


@dataclass(frozen=True)
class CategoricalFit:
    """The categorical model and how well it reproduces the histograms it was fitted on.

    Attributes
    ----------
    model : Categorical
    edges : ndarray of shape (n_bins + 1,)
        Intensity bin edges (counts per pixel per frame, leave-one-out temporal mean).
    observed, modelled, poisson : ndarray of shape (n_bins, n_values)
        Count probabilities per bin: measured, predicted by the model at each sample's
        intensity and averaged over the bin, and the same for Poisson.
    samples : ndarray of shape (n_bins,)
        (pixel, frame) samples per bin.
    kl, poisson_kl : ndarray of shape (n_bins,)
        KL(observed || modelled) and KL(observed || Poisson), nats.
    fano : ndarray of shape (n_bins,)
        Observed variance / mean per bin (1 for Poisson).
    frames : int
        Frames averaged; the intensity estimate has a relative variance of about
        1 / (lambda (frames - 1)), which broadens the histograms slightly.

    """

    model: Categorical
    edges: np.ndarray
    observed: np.ndarray
    modelled: np.ndarray
    poisson: np.ndarray
    samples: np.ndarray
    kl: np.ndarray
    poisson_kl: np.ndarray
    fano: np.ndarray
    frames: int

    @property
    def total_kl(self) -> float:
        """Sample-weighted mean KL(observed || modelled), nats."""
        return float(np.average(self.kl, weights=self.samples))

    @property
    def total_poisson_kl(self) -> float:
        """Sample-weighted mean KL(observed || Poisson), nats."""
        return float(np.average(self.poisson_kl, weights=self.samples))

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "kl": self.total_kl,
            "poisson_kl": self.total_poisson_kl,
            "chi2_per_dof": chi2_per_dof(
                self.observed * self.samples[:, None], self.modelled * self.samples[:, None]
            ),
            "bins": int(self.samples.size),
            "max_count": int(self.model.n_values - 1),
            "fano": [float(v) for v in self.fano],
            "lambdas": [float(v) for v in self.model.lambdas],
            "frames": self.frames,
        }


def fit_categorical(
    frames: np.ndarray,
    *,
    n_bins: int = 16,
    smooth: int = 1,
    min_frames: int = MIN_MOVIE_FRAMES,
) -> CategoricalFit:
    """Fit the empirical count model P(k | lambda) to a drift-aligned movie.

    Each (pixel, frame) sample gets the intensity of :func:`leave_one_out_mean`; samples
    are binned by intensity and each bin's count histogram becomes a row of the table,
    labelled with the bin's mean count (so the model's mean equals its lambda). The
    intensity estimate is noisy (relative variance about 1 / (lambda (frames - 1) (2
    smooth + 1)^2)), which broadens the rows slightly: use many frames.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
        Integer counts per pixel per frame of a static region (aligned: see
        :mod:`temdenoise.noise.align`).
    n_bins : int
        Intensity bins (equal numbers of samples; fewer when intensities repeat).
    smooth : int
        Box half-width (pixels) of the intensity estimate (:func:`leave_one_out_mean`).
    min_frames : int
        Fewest frames accepted.

    Returns
    -------
    CategoricalFit

    Raises
    ------
    InputError
        Bad frames (see :func:`~temdenoise.noise.frames.check_frames`), non-integer or
        too large counts.

    """
    x = check_frames(frames, min_frames=max(2, min_frames), what="movie")
    if not is_integer_valued(x):
        raise InputError(
            "movie: the categorical model needs integer counts >= 0 (a counting "
            "detector); these look like an integrating camera"
        )
    top = int(x.max())
    if top > MAX_COUNT:
        raise InputError(f"movie: counts up to {top}: too many for a categorical table")
    lam = leave_one_out_mean(x, smooth=smooth).reshape(-1)
    counts = x.reshape(-1).astype(np.int64)
    edges = np.unique(np.quantile(lam, np.linspace(0, 1, n_bins + 1)))
    if edges.size < 2:
        edges = np.array([lam.min(), lam.max() + 1.0])
    edges[-1] = np.nextafter(edges[-1], np.inf)
    which = np.clip(np.searchsorted(edges, lam, side="right") - 1, 0, edges.size - 2)
    edges, which = _merge_bins(edges, which, counts)
    n_values = top + 1
    n = edges.size - 1
    hist = np.bincount(which * n_values + counts, minlength=n * n_values).reshape(n, n_values)
    samples = hist.sum(1)
    observed = hist / samples[:, None]
    values = np.arange(n_values)
    means = observed @ values
    model = Categorical(lambdas=means, probabilities=observed)
    modelled = _binned_average(model.pmf, lam, which, n)
    poisson = _binned_average(lambda v: poisson_pmf(v, n_values), lam, which, n)
    variance = observed @ values**2 - means**2
    return CategoricalFit(
        model=model,
        edges=edges,
        observed=observed,
        modelled=modelled,
        poisson=poisson,
        samples=samples,
        kl=kl_divergence(observed, modelled),
        poisson_kl=kl_divergence(observed, poisson),
        fano=variance / means,
        frames=int(x.shape[0]),
    )


def _merge_bins(
    edges: np.ndarray, which: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Merge bins until every bin has samples and mean counts > 0 that increase."""
    while True:
        n = edges.size - 1
        size = np.bincount(which, minlength=n)
        mean = np.bincount(which, weights=counts, minlength=n) / np.maximum(size, 1)
        empty = [i for i in range(n) if size[i] == 0 or mean[i] <= 0]
        flat = [i for i in range(1, n) if mean[i] <= mean[i - 1]]
        if not empty and not flat:
            return edges, which
        if n == 1:
            raise InputError("movie: no counts to fit")
        # an empty bin merges with its upper neighbour (the last one with the lower),
        # a bin whose mean does not increase with its lower neighbour
        i = min(empty[0], n - 2) if empty else flat[0] - 1
        edges = np.delete(edges, i + 1)  # bins i and i + 1 become bin i
        which = np.where(which > i, which - 1, which)


def _binned_average(
    pmf: Callable[[np.ndarray], np.ndarray],
    lam: np.ndarray,
    which: np.ndarray,
    n_bins: int,
    cells: int = 4096,
) -> np.ndarray:
    """Mean over the samples of each bin of ``pmf(lam)``, shape (n_bins, n_values).

    Samples are grouped in ``cells`` fine intensity cells per bin and ``pmf`` is
    evaluated once per cell at its mean intensity (exact where ``pmf`` is linear in lam
    within a cell, as the categorical model is).
    """
    low, high = float(lam.min()), float(lam.max())
    fine = np.minimum(((lam - low) / max(high - low, 1e-12) * cells).astype(np.int64), cells - 1)
    key = which * cells + fine
    size = np.bincount(key, minlength=n_bins * cells)
    used = np.flatnonzero(size)
    centre = np.bincount(key, weights=lam, minlength=n_bins * cells)[used] / size[used]
    weighted = pmf(centre) * size[used][:, None]
    total = np.stack(
        [
            np.bincount(used // cells, weights=weighted[:, k], minlength=n_bins)
            for k in range(weighted.shape[1])
        ],
        axis=1,
    )
    return np.asarray(total / np.bincount(which, minlength=n_bins)[:, None])
