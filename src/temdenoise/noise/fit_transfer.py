"""Gain, offset and read noise from the mean-variance (photon transfer) relation of a movie."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from temdenoise.noise.frames import check_frames


@dataclass(frozen=True)
class PhotonTransferFit:
    """Mean-variance (photon transfer) fit: variance = slope * mean + intercept.

    For an integrating camera behind a PSF that keeps a fraction ``noise_factor`` of the
    per-pixel variance, slope = gain * noise_factor and intercept = read_noise^2 -
    slope * offset.

    Attributes
    ----------
    mean, variance, error : ndarray of shape (n_bins,)
        Binned temporal mean and variance per pixel, and the standard error of variance.
    slope, intercept : float
    chi2_per_dof : float
    gain, offset, read_noise : float or None
        Detector units per count, detector units, detector units rms; None when the
        data cannot separate them (gain: when the region has no range of intensities).
    noise_samples : tuple of (float, ndarray)
        For a few intensity bins: the bin's mean and frame-difference noise values
        (x[t+1] - x[t]) / sqrt(2) of its pixels (at most 20,000), for histograms.

    """

    mean: np.ndarray
    variance: np.ndarray
    error: np.ndarray
    slope: float
    intercept: float
    chi2_per_dof: float
    gain: float | None
    offset: float | None
    read_noise: float | None
    noise_samples: tuple[tuple[float, np.ndarray], ...] = ()

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "chi2_per_dof": self.chi2_per_dof,
            "gain": self.gain,
            "offset": self.offset,
            "read_noise": self.read_noise,
        }


def fit_photon_transfer(
    frames: np.ndarray,
    *,
    noise_factor: float = 1.0,
    read_variance: float | None = None,
    offset: float | None = None,
    n_bins: int = 24,
) -> PhotonTransferFit:
    """Gain, offset and read noise from the mean-variance relation of a static movie.

    The variance of each pixel is estimated from consecutive-frame differences
    (mean of (x[t+1] - x[t])^2 / 2: slow changes of the scene cancel); pixels are binned
    by their temporal mean.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
        At least 2 drift-aligned frames, detector units.
    noise_factor : float
        Fraction of the per-pixel shot-noise variance left by the detector PSF
        (:attr:`~temdenoise.noise.detector.DetectorPSF.noise_factor`).
    read_variance : float, optional
        White read-noise variance (from the noise power spectrum): gives the offset.
    offset : float, optional
        Known detector offset: gives the read noise (wins over ``read_variance``).
    n_bins : int
        Mean-intensity bins (equal pixel numbers).

    Returns
    -------
    PhotonTransferFit

    """
    x = check_frames(frames, min_frames=2, what="movie")
    mean = x.mean(axis=0).reshape(-1)
    var = (np.diff(x, axis=0) ** 2).mean(axis=0).reshape(-1) / 2.0
    edges = np.unique(np.quantile(mean, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, mean, side="right") - 1, 0, max(edges.size - 2, 0))
    size = np.bincount(which)
    keep = size >= 16
    m = np.bincount(which, weights=mean)[keep] / size[keep]
    v = np.bincount(which, weights=var)[keep] / size[keep]
    v2 = np.bincount(which, weights=var**2)[keep] / size[keep]
    err = np.sqrt(np.maximum(v2 - v**2, 0.0) / size[keep])
    positive = err[err > 0]
    err = np.maximum(err, 0.1 * float(np.median(positive)) if positive.size else 1.0)
    noise = float(var.mean()) / x.shape[0]  # variance of a pixel's temporal mean from noise
    scene = float(mean.var()) - noise  # variance of the scene itself
    if m.size >= 2 and scene > noise:
        w = 1.0 / err**2
        design = np.stack([m, np.ones_like(m)], axis=1) * np.sqrt(w)[:, None]
        (slope, intercept), *_ = np.linalg.lstsq(design, v * np.sqrt(w), rcond=None)
        fitted = slope * m + intercept
        chi2 = float(np.sum(((v - fitted) / err) ** 2) / max(1, m.size - 2))
    else:  # a flat region: no intensity range, no slope
        slope, intercept, chi2 = float("nan"), float("nan"), float("nan")
    slope, intercept = float(slope), float(intercept)
    samples = _noise_samples(x, which, np.flatnonzero(keep), m)
    if not slope > 0:
        return PhotonTransferFit(m, v, err, slope, intercept, chi2, None, None, None, samples)
    gain = slope / noise_factor
    read_noise: float | None = None
    if offset is not None:
        read_noise = float(np.sqrt(max(intercept + slope * offset, 0.0)))
    elif read_variance is not None:
        offset = (read_variance - intercept) / slope
        read_noise = float(np.sqrt(max(read_variance, 0.0)))
    return PhotonTransferFit(m, v, err, slope, intercept, chi2, gain, offset, read_noise, samples)


def _noise_samples(
    x: np.ndarray, which: np.ndarray, kept: np.ndarray, means: np.ndarray, *, shown: int = 4
) -> tuple[tuple[float, np.ndarray], ...]:
    """Frame-difference noise of the pixels of a few intensity bins (for histograms)."""
    diff = (np.diff(x, axis=0) / np.sqrt(2.0)).reshape(x.shape[0] - 1, -1)
    picks = sorted({round(i) for i in np.linspace(0, kept.size - 1, min(shown, kept.size))})
    out = []
    for i in picks:
        values = diff[:, which == kept[i]].reshape(-1)
        out.append((float(means[i]), values[:: max(1, values.size // 20_000)]))
    return tuple(out)
