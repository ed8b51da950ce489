"""Image quality with and without ground truth (pure NumPy/SciPy; no I/O).

Conventions (fixed by the project): images are float arrays of expected counts per pixel
per frame, indexed (row, column).

- :func:`psnr_count` is 10 log10(1 / MSE) with the MSE in counts (the seed group's code);
  :func:`psnr_range` uses ``data_range = max(clean) - min(clean)``.
- :func:`ssim` always takes an explicit ``data_range``.
- :func:`umse` is the unsupervised MSE of Marcos Morales et al. (ICML 2023): from three
  noisy copies ``a``, ``b``, ``c`` of the clean image, independent of each other and of
  the denoiser's input, ``uMSE = mean((f(y) - a)**2) - mean((b - c)**2) / 2`` is an
  unbiased estimate of ``mean((f(y) - clean)**2)``. The copies come from adjacent frames
  of a movie (:func:`umse_adjacent`) or from the 2 x 2 sub-sampling of one frame
  (:func:`umse_subsampled`).
- :func:`temporal_flicker` measures how a denoised movie flickers: the rms, in counts,
  of the error in its frame-to-frame changes against the clean movie's (or, without
  one, of the changes themselves).
- :func:`residual_check` compares ``noisy - denoised`` with the noise model: its mean,
  its variance per intensity bin against ``slope * intensity + offset`` (Poisson: 1, 0),
  and its spatial whiteness.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage, stats


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
    return _psnr(mse(reference, test), 1.0)


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
    ref = _as_float(reference)
    data_range = float(ref.max() - ref.min())
    if data_range <= 0:
        raise ValueError("psnr_range needs a reference that is not constant (data range 0)")
    return _psnr(mse(ref, test), data_range)


def mse(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean squared difference in counts squared (float64 accumulation)."""
    ref, tst = _pair(reference, test)
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
    ref, tst = _pair(reference, test)
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


def umse(denoised: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Unsupervised MSE from three independent noisy copies of the clean image.

    ``uMSE = mean((denoised - a)**2) - mean((b - c)**2) / 2``. Unbiased for the MSE of
    ``denoised`` against the clean image when ``a``, ``b``, ``c`` are independent noisy
    copies of it (zero-mean noise of equal mean variance), independent of the denoiser's
    input. A single estimate can be negative.

    Parameters
    ----------
    denoised : ndarray of shape (rows, columns)
        ``f(y)``: the denoised image, counts per pixel.
    a, b, c : ndarray of shape (rows, columns)
        Noisy copies, counts per pixel.

    Returns
    -------
    float
        Counts squared.

    """
    den, first = _pair(denoised, a)
    second, third = _pair(b, c)
    if second.shape != den.shape:
        raise ValueError(f"all four images need one shape, got {den.shape} and {second.shape}")
    return float(np.mean((den - first) ** 2) - 0.5 * np.mean((second - third) ** 2))


def umse_standard_error(denoised: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Estimate the standard error of :func:`umse` from its per-pixel terms.

    ``std((denoised - a)**2 - (b - c)**2 / 2) / sqrt(pixels)``: valid when the noise is
    independent from pixel to pixel (counting detectors without point-spread); correlated
    noise makes the true error larger.

    Returns
    -------
    float
        Counts squared.

    """
    den, first = _pair(denoised, a)
    second, third = _pair(b, c)
    terms = (den - first) ** 2 - 0.5 * (second - third) ** 2
    return float(np.std(terms) / math.sqrt(terms.size))


def upsnr(umse_value: float) -> float:
    """Return the uPSNR in the count convention, ``10 log10(1 / uMSE)``; NaN if uMSE <= 0."""
    return _psnr(umse_value, 1.0) if umse_value > 0 else math.nan


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
    d = np.diff(_as_float(denoised), axis=0)
    if d.ndim != 3 or d.shape[0] == 0:
        raise ValueError(f"a movie of at least 2 frames is needed, got shape {denoised.shape}")
    if clean is not None:
        c = np.diff(_as_float(clean), axis=0)
        if c.shape != d.shape:
            raise ValueError(f"shapes differ: {denoised.shape} and {clean.shape}")
        d = d - c
    return float(np.sqrt(np.mean(d**2)))


def adjacent_copies(index: int, frames: int) -> tuple[int, int, int]:
    """Frames used as the noisy copies ``a``, ``b``, ``c`` of frame ``index``.

    ``a`` is the previous frame (the next one for the first frame); ``b`` and ``c`` are the
    two nearest further frames after ``index`` (before it at the end of the movie). The
    scene must change little over these four frames.

    Raises
    ------
    ValueError
        Fewer than 4 frames.

    """
    if frames < 4:
        raise ValueError(f"uMSE from adjacent frames needs at least 4 frames, got {frames}")
    if not 0 <= index < frames:
        raise ValueError(f"frame {index} is outside 0..{frames - 1}")
    a = index - 1 if index > 0 else index + 1
    others = sorted((t for t in range(frames) if t not in (index, a)), key=lambda t: abs(t - index))
    after = [t for t in others if t > max(index, a)][:2]
    b, c = after if len(after) == 2 else others[:2]
    return a, b, c


def umse_adjacent(noisy: np.ndarray, denoised: np.ndarray, index: int) -> float:
    """Estimate the uMSE of denoised frame ``index`` with adjacent noisy frames as copies.

    Valid for a single-frame denoiser (frame ``index`` denoised from noisy frame ``index``
    alone) on a scene that is static over four frames. A multi-frame denoiser sees the
    neighbours, so for it the estimate is biased low (optimistic).

    Parameters
    ----------
    noisy : ndarray of shape (frames, rows, columns)
        Raw frames, counts per pixel (at least 4 frames).
    denoised : ndarray of shape (rows, columns)
        Denoised frame ``index``.
    index : int
        Frame evaluated.

    Returns
    -------
    float
        uMSE in counts squared (see :func:`umse`).

    """
    a, b, c = adjacent_copies(index, noisy.shape[0])
    return umse(denoised, noisy[a], noisy[b], noisy[c])


def subsample_2x2(image: np.ndarray) -> np.ndarray:
    """Split an image into its 2 x 2 polyphase sub-images, shape (4, rows // 2, columns // 2).

    Order: (even row, even column), (even, odd), (odd, even), (odd, odd). An odd last row
    or column is dropped. Under pixel-wise independent noise they are independent noisy
    copies of the (half-pixel shifted) scene.
    """
    rows, columns = (image.shape[0] // 2) * 2, (image.shape[1] // 2) * 2
    trimmed = np.asarray(image)[:rows, :columns]
    return np.stack(
        [trimmed[0::2, 0::2], trimmed[0::2, 1::2], trimmed[1::2, 0::2], trimmed[1::2, 1::2]]
    )


def umse_subsampled(noisy: np.ndarray, denoise: Callable[[np.ndarray], np.ndarray]) -> float:
    """Estimate the uMSE of a denoiser from the 2 x 2 sub-sampling of one noisy frame.

    The (even, even) sub-image is denoised; the other three are the copies ``a``, ``b``,
    ``c``. This evaluates the denoiser at twice the pixel size and assumes the scene varies
    little over one pixel (fine sampling): the half-pixel shifts between sub-images bias
    the estimate upward by the scene's own pixel-to-pixel variation.

    Parameters
    ----------
    noisy : ndarray of shape (rows, columns)
        One raw frame, counts per pixel.
    denoise : callable
        Maps an image of shape (rows // 2, columns // 2) to its denoised version.

    Returns
    -------
    float
        uMSE in counts squared.

    """
    y, a, b, c = subsample_2x2(_as_float(noisy))
    return umse(np.asarray(denoise(y), dtype=np.float64), a, b, c)


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
    y, mu = _pair(noisy, denoised)
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


def _psnr(error: float, peak: float) -> float:
    return math.inf if error == 0 else 10.0 * math.log10(peak**2 / error)


def _as_float(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, dtype=np.float64)


def _pair(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = _as_float(first), _as_float(second)
    if a.shape != b.shape:
        raise ValueError(f"images of different shapes: {a.shape} and {b.shape}")
    return a, b
