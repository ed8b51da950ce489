"""Image quality against ground truth: MSE, PSNR, SSIM and temporal flicker (pure NumPy/SciPy).

Conventions (fixed by the project): images are float arrays of expected counts per pixel
per frame, indexed (row, column).

- :func:`psnr_count` is 10 log10(1 / MSE) with the MSE in counts (the seed group's code);
  :func:`psnr_range` uses ``data_range = max(clean) - min(clean)``.
- :func:`ssim` always takes an explicit ``data_range``.
- :func:`temporal_flicker` measures how a denoised movie flickers: the rms, in counts,
  of the error in its frame-to-frame changes against the clean movie's (or, without
  one, of the changes themselves).

Without ground truth: :mod:`temdenoise.evaluate.umse` (uMSE, uPSNR) and
:mod:`temdenoise.evaluate.residual` (the residual against the noise model).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


def psnr_count(reference: np.ndarray, test: np.ndarray) -> float:
    """PSNR with a peak of one count: ``10 log10(1 / MSE)``, MSE in counts squared.

    Parameters
    ----------
    reference, test : ndarray of shape (rows, columns) or (frames, rows, columns)
        Clean and estimated images, counts per pixel.

    Returns
    -------
    float
        dB; ``inf`` when the images are equal.

    """
    return decibels(mse(reference, test), 1.0)


def psnr_range(reference: np.ndarray, test: np.ndarray) -> float:
    """PSNR with ``data_range = max(reference) - min(reference)``: ``10 log10(range² / MSE)``.

    Parameters
    ----------
    reference, test : ndarray of shape (rows, columns) or (frames, rows, columns)
        Clean and estimated images, counts per pixel.

    Returns
    -------
    float
        dB; ``inf`` when the images are equal.

    """
    ref = as_float(reference)
    data_range = float(ref.max() - ref.min())
    if data_range <= 0:
        raise ValueError("psnr_range needs a reference that is not constant (data range 0)")
    return decibels(mse(ref, test), data_range)


def mse(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean squared difference in counts squared (float64 accumulation)."""
    ref, tst = float_pair(reference, test)
    return float(np.mean((ref - tst) ** 2))


def ssim(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    data_range: float,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean structural similarity (Wang et al. 2004) with a Gaussian window.

    The statistics are Gaussian-weighted (``sigma`` px, truncated at 3.5 sigma, reflected at
    the edges) with population (not sample) covariances; the SSIM map is averaged away from
    a border of half a window. This matches ``skimage.metrics.structural_similarity(...,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=...)``.

    Parameters
    ----------
    reference, test : ndarray of shape (rows, columns)
        Clean and estimated images, counts per pixel.
    data_range : float
        Dynamic range of the images (counts), e.g. ``max(clean) - min(clean)``. Required:
        the constants ``(k1 * data_range)**2`` and ``(k2 * data_range)**2`` depend on it.
    sigma : float
        Width of the Gaussian window, px.
    k1, k2 : float
        Stabilising constants.

    Returns
    -------
    float
        Mean SSIM, at most 1.

    """
    return float(ssim_map(reference, test, data_range=data_range, sigma=sigma, k1=k1, k2=k2)[1])


def ssim_map(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    data_range: float,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> tuple[np.ndarray, float]:
    """SSIM map of shape (rows, columns) and its mean over the interior (see :func:`ssim`)."""
    ref, tst = float_pair(reference, test)
    if ref.ndim != 2:
        raise ValueError(f"ssim takes one image (rows, columns), got shape {ref.shape}")
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    truncate = 3.5
    window = 2 * int(truncate * sigma + 0.5) + 1
    if min(ref.shape) < window:
        raise ValueError(f"ssim needs images of at least {window} x {window} px")

    def blur(image: np.ndarray) -> np.ndarray:
        return np.asarray(ndimage.gaussian_filter(image, sigma, mode="reflect", truncate=truncate))

    mu_r, mu_t = blur(ref), blur(tst)
    var_r = blur(ref * ref) - mu_r * mu_r
    var_t = blur(tst * tst) - mu_t * mu_t
    cov = blur(ref * tst) - mu_r * mu_t
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    numerator = (2 * mu_r * mu_t + c1) * (2 * cov + c2)
    denominator = (mu_r**2 + mu_t**2 + c1) * (var_r + var_t + c2)
    full = numerator / denominator
    pad = (window - 1) // 2
    return full, float(full[pad:-pad, pad:-pad].mean())


def temporal_flicker(denoised: np.ndarray, clean: np.ndarray | None = None) -> float:
    """Rms frame-to-frame flicker of a denoised movie, in counts per pixel.

    With ``clean``: ``sqrt(mean(((d[t] - d[t-1]) - (c[t] - c[t-1]))**2))`` over all
    pairs of consecutive frames, the error in the movie's changes (0 for a denoiser
    that follows every real change and adds none). Without: the rms of ``d[t] - d[t-1]``,
    which also counts the scene's real motion.

    Parameters
    ----------
    denoised, clean : ndarray of shape (frames, rows, columns), frames >= 2
    """
    d = np.diff(as_float(denoised), axis=0)
    if d.ndim != 3 or d.shape[0] == 0:
        raise ValueError(f"a movie of at least 2 frames is needed, got shape {denoised.shape}")
    if clean is not None:
        c = np.diff(as_float(clean), axis=0)
        if c.shape != d.shape:
            raise ValueError(f"shapes differ: {denoised.shape} and {clean.shape}")
        d = d - c
    return float(np.sqrt(np.mean(d**2)))


def decibels(error: float, peak: float) -> float:
    """Return ``10 log10(peak² / error)`` in dB; ``inf`` when ``error`` is 0."""
    return math.inf if error == 0 else 10.0 * math.log10(peak**2 / error)


def as_float(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as a float64 array (no copy when it is one)."""
    return np.asarray(image, dtype=np.float64)


def float_pair(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return two images as float64 arrays; ValueError when their shapes differ."""
    a, b = as_float(first), as_float(second)
    if a.shape != b.shape:
        raise ValueError(f"images of different shapes: {a.shape} and {b.shape}")
    return a, b
