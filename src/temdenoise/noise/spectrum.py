"""Noise power spectrum of flat or frame-difference noise, and the fit of the detector PSF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from temdenoise.noise.detector import gaussian_taps


def noise_fields(frames: np.ndarray) -> np.ndarray:
    """Zero-mean noise images with the per-pixel variance of one frame.

    Two or more frames of a static region: consecutive differences divided by sqrt(2)
    (the scene cancels, slow changes nearly so). One frame: the frame minus its mean
    (use a flat region).

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)

    Returns
    -------
    ndarray of float64, shape (max(frames - 1, 1), rows, columns)

    """
    x = np.asarray(frames, dtype=np.float64)
    if x.shape[0] >= 2:
        return np.asarray(np.diff(x, axis=0) / np.sqrt(2.0))
    return np.asarray(x - x.mean(axis=(1, 2), keepdims=True))


def noise_power_spectrum(
    fields: np.ndarray, *, tile: int = 64, max_fields: int = 32
) -> tuple[np.ndarray, int]:
    """Average periodogram of ``tile`` x ``tile`` pieces of ``fields``.

    At most ``max_fields`` fields, evenly spread, are used (more add little precision).

    Normalised so that its mean over all frequencies is the per-pixel variance (counts^2
    for count images). Each piece has its mean removed, so the zero-frequency value is 0.

    Returns
    -------
    nps : ndarray of shape (tile, tile)
        Indexed like ``numpy.fft.fftfreq(tile)`` along rows and columns.
    pieces : int
        Number of periodograms averaged.

    """
    if fields.shape[0] > max_fields:
        fields = fields[np.linspace(0, fields.shape[0] - 1, max_fields).round().astype(int)]
    n, rows, cols = fields.shape
    nr, nc = rows // tile, cols // tile
    x = fields[:, : nr * tile, : nc * tile].reshape(n, nr, tile, nc, tile).transpose(0, 1, 3, 2, 4)
    x = x - x.mean(axis=(-2, -1), keepdims=True)
    power = np.abs(np.fft.fft2(x)) ** 2 / (tile * tile)
    return power.mean(axis=(0, 1, 2)), n * nr * nc


@dataclass(frozen=True)
class CorrelationFit:
    """Noise power spectrum fit: NPS(f_r, f_c) = shot MTF_r(f_r)^2 MTF_c(f_c)^2 + white.

    Attributes
    ----------
    sigma_row, sigma_column : float
        Gaussian PSF widths in pixels.
    shot_power : float
        Low-frequency level of the spread noise (per-pixel variance before the PSF).
    white_power : float
        Level of the white part added after the PSF (read noise variance).
    frequency : ndarray of shape (tile,)
        ``fftfreq(tile)``, cycles per pixel.
    observed, modelled : ndarray of shape (tile, tile)
    chi2_per_dof : float
        Of the fit, with the periodogram's relative error 1 / sqrt(pieces).
    separable : bool
        Whether the PSF suppresses the shot noise enough (by >= 30 % somewhere) that the
        white level is told apart from the shot level.

    """

    sigma_row: float
    sigma_column: float
    shot_power: float
    white_power: float
    frequency: np.ndarray
    observed: np.ndarray
    modelled: np.ndarray
    chi2_per_dof: float
    separable: bool

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "sigma_row": self.sigma_row,
            "sigma_column": self.sigma_column,
            "shot_power": self.shot_power,
            "white_power": self.white_power,
            "chi2_per_dof": self.chi2_per_dof,
            "white_separable": self.separable,
        }


MIN_PSF_DELTA_CHI2 = 25.0
"""Chi-square improvement over a white spectrum needed to report a PSF."""


def _shape(frequency: np.ndarray, sigma: float, tile: int) -> np.ndarray:
    """Return the expected periodogram of white noise after the PSF, along one axis.

    The periodogram of a ``tile``-long piece sees the noise autocorrelation at lag l
    weighted by (1 - |l| / tile) (the Bartlett window), which is kept in the model.
    """
    taps = gaussian_taps(sigma)
    auto = np.convolve(taps, taps)
    lags = np.arange(auto.size) - (auto.size - 1) // 2
    weighted = auto * np.clip(1.0 - np.abs(lags) / tile, 0.0, None)
    return np.asarray(np.cos(2 * np.pi * np.multiply.outer(frequency, lags)) @ weighted)


def fit_correlation(fields: np.ndarray, *, tile: int = 64, white: bool = True) -> CorrelationFit:
    """Fit a separable Gaussian PSF and a white floor to the noise power spectrum.

    Parameters
    ----------
    fields : ndarray of shape (n, rows, columns)
        Zero-mean noise images (:func:`noise_fields`), rows and columns >= 16.
    tile : int
        Periodogram size; reduced to fit the images.
    white : bool
        Fit a white floor (read noise). False for counting detectors, which have none:
        then all noise passes through the PSF.

    Returns
    -------
    CorrelationFit

    """
    from scipy.optimize import least_squares

    tile = int(min(tile, fields.shape[1], fields.shape[2]))
    nps, pieces = noise_power_spectrum(fields, tile=tile)
    freq = np.fft.fftfreq(tile)
    mask = np.ones_like(nps, dtype=bool)
    mask[0, 0] = False
    level = float(nps[mask].mean())
    if not level > 0:
        raise ValueError("the noise fields have no variance")
    obs = nps / level  # fit in relative units

    def model(p: np.ndarray) -> np.ndarray:
        shot, white, sr, sc = p
        return np.asarray(shot * np.outer(_shape(freq, sr, tile), _shape(freq, sc, tile)) + white)

    weight = np.full_like(obs, 1.0)

    def residual(p: np.ndarray) -> np.ndarray:
        return np.asarray(((obs - model(p)) / weight)[mask])

    # Iteratively reweighted: the periodogram's error is proportional to the true level,
    # so each pass weights by the previous model (weighting by the model being fitted
    # would bias the levels upwards).
    top_white = np.inf if white else 1e-12
    x0s = [[1.0, 0.05 if white else 0.0, start, start] for start in (0.3, 1.0)]
    best = None
    for _ in range(3):
        best = None
        for x0 in x0s:
            res = least_squares(
                residual,
                x0=x0,
                bounds=([0.0, 0.0, 0.0, 0.0], [np.inf, top_white, 8.0, 8.0]),
                x_scale=[1.0, 0.1, 0.5, 0.5],
            )
            if best is None or res.cost < best.cost:
                best = res
        assert best is not None
        weight = np.maximum(model(best.x), 1e-9)
        x0s = [list(np.clip(best.x, 0.0, [np.inf, top_white, 8.0, 8.0]))]
    assert best is not None
    params = best.x.copy()
    chi2_sum = float(np.sum(residual(params) ** 2) * pieces)
    # Without a clear PSF signature a white spectrum explains the data as well: then the
    # widths are 0 (and the shot and white levels cannot be told apart).
    flat = float(np.average(obs[mask], weights=1.0 / weight[mask] ** 2))
    flat_chi2 = float(np.sum(((obs - flat) / weight)[mask] ** 2) * pieces)
    if flat_chi2 - chi2_sum < MIN_PSF_DELTA_CHI2:
        params = np.array([flat, 0.0, 0.0, 0.0])
        chi2_sum = flat_chi2
    shot, white_level, sr, sc = (float(v) for v in params)
    fitted = model(params)
    dof = max(1, int(mask.sum()) - (4 if white else 3))
    chi2 = chi2_sum / dof
    contrast = 1.0 - float(np.outer(_shape(freq, sr, tile), _shape(freq, sc, tile)).min())
    return CorrelationFit(
        sigma_row=sr,
        sigma_column=sc,
        shot_power=shot * level,
        white_power=white_level * level,
        frequency=freq,
        observed=nps,
        modelled=fitted * level,
        chi2_per_dof=chi2,
        separable=white and contrast >= 0.3 and shot > 0.05 * white_level,
    )
