"""Power spectra (FFT) of a raw and a denoised frame, and their difference image."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from temdenoise.figures.canvas import image_panel, pyplot, save

SPECTRUM_MAX = 1.25
"""Largest spatial frequency shown, 1/A: Pt's lattice reflections and a 0.8 A information limit."""


def evaluation_spectra_figure(
    noisy: np.ndarray,
    denoised: np.ndarray,
    path: str | os.PathLike[str],
    *,
    pixel_size: float | None,
) -> Path:
    """Write the power spectra (FFT) of a raw and a denoised frame and their difference.

    Microscopists read lattice spacings and the information limit off the power spectrum:
    a denoiser should keep the lattice reflections of the raw frame and remove the flat
    noise floor between them, not add reflections of its own. The third panel is the raw
    frame minus the denoised one: noise only when nothing of the specimen was removed.

    Parameters
    ----------
    noisy, denoised : ndarray of shape (rows, columns)
        Counts per pixel.
    path : path-like
        Output PNG.
    pixel_size : float or None
        Angstrom per pixel: spatial frequencies in 1/A when known, else cycles/px.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.6), layout="constrained")
    nyquist = 0.5 / pixel_size if pixel_size else 0.5
    shown_max = min(nyquist, SPECTRUM_MAX) if pixel_size else nyquist  # lattice, info limit
    spectra = [_crop_centre(_log_power(im), shown_max / nyquist) for im in (noisy, denoised)]
    low, high = (float(v) for v in np.percentile(spectra[0], [5, 99.9]))
    unit = "1/Å" if pixel_size else "cycles/px"
    extent = (-shown_max, shown_max, shown_max, -shown_max)
    for ax, spectrum, caption in zip(
        axes[:2], spectra, ("raw frame", "denoised frame"), strict=True
    ):
        shown = ax.imshow(spectrum, cmap="magma", vmin=low, vmax=high, extent=extent)
        ax.set_title(f"power spectrum, {caption}", fontsize=10)
        ax.set_xlabel(f"column frequency ({unit})")
        ax.set_ylabel(f"row frequency ({unit})")
        fig.colorbar(shown, ax=ax, shrink=0.8, label="log10 power")
    difference = noisy.astype(np.float64) - denoised
    spread = float(np.percentile(np.abs(difference), 99.5)) or 1.0
    image_panel(axes[2], difference, "raw - denoised", (-spread, spread), pixel_size)
    axes[2].images[0].set_cmap("RdBu_r")
    return save(fig, path)


def _crop_centre(spectrum: np.ndarray, share: float) -> np.ndarray:
    """Keep the central ``share`` of a centred spectrum along each axis."""
    rows, cols = spectrum.shape
    hr, hc = max(1, round(rows * share / 2)), max(1, round(cols * share / 2))
    return spectrum[rows // 2 - hr : rows // 2 + hr, cols // 2 - hc : cols // 2 + hc]


def _log_power(image: np.ndarray) -> np.ndarray:
    """Centred log10 power spectrum of the mean-free image, Hann-windowed against edge streaks."""
    window = np.outer(np.hanning(image.shape[0]), np.hanning(image.shape[1]))
    spectrum = np.fft.fftshift(np.abs(np.fft.fft2((image - image.mean()) * window)) ** 2)
    result: np.ndarray = np.log10(spectrum + spectrum.mean() * 1e-6)
    return result
