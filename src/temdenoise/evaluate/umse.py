"""Error without ground truth: the unsupervised MSE (uMSE) and uPSNR from noisy copies.

:func:`umse` is the unsupervised MSE of Marcos Morales et al. (ICML 2023): from three
noisy copies ``a``, ``b``, ``c`` of the clean image, independent of each other and of
the denoiser's input, ``uMSE = mean((f(y) - a)**2) - mean((b - c)**2) / 2`` is an
unbiased estimate of ``mean((f(y) - clean)**2)``. The copies come from adjacent frames
of a movie (:func:`umse_adjacent`) or from the 2 x 2 sub-sampling of one frame
(:func:`umse_subsampled`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from temdenoise.evaluate.metrics import as_float, decibels, float_pair


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
    den, first = float_pair(denoised, a)
    second, third = float_pair(b, c)
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
    den, first = float_pair(denoised, a)
    second, third = float_pair(b, c)
    terms = (den - first) ** 2 - 0.5 * (second - third) ** 2
    return float(np.std(terms) / math.sqrt(terms.size))


def upsnr(umse_value: float) -> float:
    """Return the uPSNR in the count convention, ``10 log10(1 / uMSE)``; NaN if uMSE <= 0."""
    return decibels(umse_value, 1.0) if umse_value > 0 else math.nan


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
    y, a, b, c = subsample_2x2(as_float(noisy))
    return umse(np.asarray(denoise(y), dtype=np.float64), a, b, c)
