"""The residual ``noisy - denoised`` against the noise model: bias, variance, whiteness.

:func:`residual_check` compares ``noisy - denoised`` with the noise model: its mean,
its variance per intensity bin against ``slope * intensity + offset`` (Poisson: 1, 0),
and its spatial whiteness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from temdenoise.evaluate.metrics import float_pair


@dataclass(frozen=True)
class ResidualCheck:
    """Residual ``noisy - denoised`` against the noise model (see :func:`residual_check`).

    Attributes
    ----------
    mean : float
        Mean residual, counts per pixel (0 for an unbiased denoiser).
    mean_z : float
        ``mean`` in units of its standard error under the noise model.
    bin_intensity : ndarray of shape (n_bins,)
        Mean denoised intensity per bin, counts per pixel.
    bin_pixels : ndarray of shape (n_bins,)
        Pixels per bin.
    bin_mean : ndarray of shape (n_bins,)
        Mean residual per bin, counts per pixel.
    bin_variance : ndarray of shape (n_bins,)
        Residual variance per bin, counts squared.
    bin_expected : ndarray of shape (n_bins,)
        Noise-model variance per bin: ``slope * intensity + offset``.
    variance_ratio : float
        Pixel-weighted mean of ``bin_variance / bin_expected`` (1 when the residual is
        exactly the noise; above 1 when signal is left in it).
    lag_correlation : dict
        Correlation coefficient of the standardised residual with itself shifted by one
        pixel: keys "row", "column", "diagonal" (0 for white noise).
    z_edges : ndarray of shape (n + 1,)
        Bin edges of the standardised residual ``(noisy - denoised) / sqrt(variance)``.
    z_observed : ndarray of shape (n,)
        Probability density of the standardised residual.
    z_expected : ndarray of shape (n,)
        Its density under the noise model, given the denoised image as the expected counts.
    slope, offset : float
        The noise model's variance line.

    """

    mean: float
    mean_z: float
    bin_intensity: np.ndarray
    bin_pixels: np.ndarray
    bin_mean: np.ndarray
    bin_variance: np.ndarray
    bin_expected: np.ndarray
    variance_ratio: float
    lag_correlation: dict[str, float]
    z_edges: np.ndarray
    z_observed: np.ndarray
    z_expected: np.ndarray
    slope: float
    offset: float

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers (lists for the per-bin arrays)."""
        return {
            "mean": self.mean,
            "mean_z": self.mean_z,
            "variance_ratio": self.variance_ratio,
            "lag_correlation": dict(self.lag_correlation),
            "noise_model": {"variance_slope": self.slope, "variance_offset": self.offset},
            "bins": {
                "intensity": self.bin_intensity.tolist(),
                "pixels": self.bin_pixels.tolist(),
                "mean": self.bin_mean.tolist(),
                "variance": self.bin_variance.tolist(),
                "expected_variance": self.bin_expected.tolist(),
            },
        }


def residual_check(
    noisy: np.ndarray,
    denoised: np.ndarray,
    *,
    slope: float = 1.0,
    offset: float = 0.0,
    n_bins: int = 8,
    max_expected_pixels: int = 65536,
) -> ResidualCheck:
    """Compare the residual ``noisy - denoised`` with the noise model.

    If the denoised image were the expected counts, the residual would be pure noise
    (values below 1e-3 of the mean intensity are taken as that floor in the model):
    mean 0, variance ``slope * denoised + offset`` in every intensity bin (Poisson counts:
    ``slope=1, offset=0``; an integrating camera: its photon-transfer line) and spatially
    white (for a detector without point-spread). Structure removed with the noise shows up
    as a variance ratio above 1 and positive neighbour correlation.

    Parameters
    ----------
    noisy : ndarray of shape (rows, columns)
        Raw frame, counts per pixel.
    denoised : ndarray of shape (rows, columns)
        Its denoised version, expected counts per pixel.
    slope, offset : float
        Noise variance = ``slope * intensity + offset`` (counts squared).
    n_bins : int
        Intensity bins (quantiles of the denoised image).
    max_expected_pixels : int
        Pixels (an evenly strided subset) used to compute the model's residual density.

    Returns
    -------
    ResidualCheck

    """
    y, mu = float_pair(noisy, denoised)
    residual = y - mu
    # the model's intensity: a denoiser may output values <= 0, which no count model has
    floor = max(1e-3 * float(np.mean(np.abs(mu))), 1e-9)
    variance = slope * np.maximum(mu, floor) + offset
    n = residual.size
    mean = float(residual.mean())
    mean_z = mean / math.sqrt(float(variance.mean()) / n)

    edges = np.unique(np.quantile(mu, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, mu, side="right") - 1, 0, max(edges.size - 2, 0))
    count = np.bincount(which.ravel(), minlength=max(edges.size - 1, 1)).astype(np.float64)
    keep = count > 1
    sums = [np.bincount(which.ravel(), weights=v.ravel(), minlength=count.size) for v in
            (mu, residual, residual**2, variance)]  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        b_int, b_mean, b_sq, b_exp = (s / count for s in sums)
        b_var = (b_sq - b_mean**2) * count / np.maximum(count - 1, 1)
    b_int, b_mean, b_var, b_exp, count = (v[keep] for v in (b_int, b_mean, b_var, b_exp, count))
    ratio = float(np.sum(count * b_var / b_exp) / count.sum())

    z = residual / np.sqrt(variance)
    z -= z.mean()
    lags = {"row": (1, 0), "column": (0, 1), "diagonal": (1, 1)}
    correlation = {name: _lag_correlation(z, dr, dc) for name, (dr, dc) in lags.items()}

    z_edges, z_exp = _expected_z_density(np.maximum(mu, floor), slope, offset, max_expected_pixels)
    z_obs, _ = np.histogram(residual / np.sqrt(variance), bins=z_edges, density=True)
    return ResidualCheck(
        mean=mean,
        mean_z=mean_z,
        bin_intensity=b_int,
        bin_pixels=count,
        bin_mean=b_mean,
        bin_variance=b_var,
        bin_expected=b_exp,
        variance_ratio=ratio,
        lag_correlation=correlation,
        z_edges=z_edges,
        z_observed=z_obs.astype(np.float64),
        z_expected=z_exp,
        slope=float(slope),
        offset=float(offset),
    )


def _expected_z_density(
    mu: np.ndarray, slope: float, offset: float, most: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and model density of ``(k - mu) / sqrt(var)`` over the image's pixels.

    Poisson (slope 1, offset 0): exact mixture over the counts k; otherwise a Gaussian
    mixture (also above 50 counts, where Poisson is Gaussian). Bins are 0.5 / sqrt(mean
    intensity) wide for Poisson (so that the discrete values do not alias), else 0.2.
    """
    flat = mu.ravel()
    subset = flat[:: max(1, flat.size // most)]
    lo, hi = -4.0, 6.0
    if slope == 1.0 and offset == 0.0 and float(subset.max()) <= 50.0:
        lam = np.maximum(subset, 1e-6)
        width = float(np.clip(0.5 / math.sqrt(float(lam.mean())), 0.1, 0.5))
        edges = np.arange(lo, hi + width, width)
        k = np.arange(0, int(np.ceil(lam.max() + 8 * math.sqrt(lam.max()) + 5)) + 1)
        z = (k[None, :] - lam[:, None]) / np.sqrt(lam[:, None])
        weights = stats.poisson.pmf(k[None, :], lam[:, None])
        hist, _ = np.histogram(z.ravel(), bins=edges, weights=weights.ravel())
    else:
        edges = np.arange(lo, hi + 0.2, 0.2)
        hist = np.diff(stats.norm.cdf(edges)) * subset.size
    density = hist / (subset.size * np.diff(edges))
    return edges, np.asarray(density, dtype=np.float64)


def _lag_correlation(z: np.ndarray, dr: int, dc: int) -> float:
    """Correlation coefficient of ``z`` with itself shifted by (dr, dc) pixels."""
    rows, columns = z.shape
    first = z[: rows - dr, : columns - dc]
    second = z[dr:, dc:]
    denom = math.sqrt(float(np.mean(first**2)) * float(np.mean(second**2)))
    return float(np.mean(first * second) / denom) if denom > 0 else math.nan
