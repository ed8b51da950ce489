"""Noise power spectrum panels of the noise-fit figure: profiles with the PSF fit, 2-D map."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from temdenoise.figures.canvas import COLOURS


class Correlation(Protocol):
    """A noise power spectrum fit as the panels read it (``noise.spectrum.CorrelationFit``)."""

    @property
    def sigma_row(self) -> float: ...
    @property
    def sigma_column(self) -> float: ...
    @property
    def shot_power(self) -> float: ...
    @property
    def white_power(self) -> float: ...
    @property
    def frequency(self) -> np.ndarray: ...
    @property
    def observed(self) -> np.ndarray: ...
    @property
    def modelled(self) -> np.ndarray: ...
    @property
    def chi2_per_dof(self) -> float: ...


class _WithCorrelation(Protocol):
    @property
    def correlation(self) -> Correlation | None: ...


def plot_noise_power_profiles(ax: Any, fit: _WithCorrelation) -> None:
    """Noise power along row and column frequency (averaged over the other axis)."""
    cor = fit.correlation
    ax.set_xlabel("spatial frequency (cycles per pixel)")
    ax.set_ylabel("noise power (per-pixel variance units)")
    if cor is None:
        ax.text(
            0.5, 0.5, "no noise power spectrum", ha="center", va="center", transform=ax.transAxes
        )
        return
    freq = np.fft.fftshift(cor.frequency)
    for axis, name, colour in ((0, "row", COLOURS[0]), (1, "column", COLOURS[2])):
        obs = np.fft.fftshift(_profile(cor.observed, axis))
        mod = np.fft.fftshift(_profile(cor.modelled, axis))
        positive = freq > 0
        sigma = cor.sigma_row if name == "row" else cor.sigma_column
        label = f"observed vs {name} frequency"
        ax.plot(freq[positive], obs[positive], "o", ms=3, color=colour, label=label)
        label = f"model, PSF sigma_{name} = {sigma:.3g} px"
        ax.plot(freq[positive], mod[positive], "-", color=colour, label=label)
    if cor.white_power > 1e-6 * cor.shot_power:
        label = f"white floor (read noise) {cor.white_power:.3g}"
        ax.axhline(cor.white_power, color="0.5", ls=":", label=label)
    ax.set_ylim(bottom=0)
    ax.set_title(f"noise power spectrum (χ²/dof {cor.chi2_per_dof:.3g})", fontsize=10)
    ax.legend(fontsize=8)


def plot_noise_power_image(ax: Any, fit: _WithCorrelation) -> None:
    """2-D noise power spectrum, zero frequency at the centre (row frequency down)."""
    cor = fit.correlation
    if cor is None:
        ax.set_axis_off()
        return
    nps = np.fft.fftshift(cor.observed)
    half = float(cor.frequency.max())
    low, high = np.percentile(np.delete(cor.observed.reshape(-1), 0), [0.5, 99.5])
    image = ax.imshow(
        nps, cmap="magma", extent=(-0.5, half, half, -0.5), origin="upper", vmin=low, vmax=high
    )
    ax.set_xlabel("column frequency (cycles/px)")
    ax.set_ylabel("row frequency (cycles/px)")
    ax.set_title("2-D noise power spectrum", fontsize=10)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)


def _profile(nps: np.ndarray, keep_axis: int) -> np.ndarray:
    """Mean over the other axis, leaving out its zero frequency (removed by the fit).

    ``keep_axis`` 0 gives the power against row frequency, 1 against column frequency.
    """
    other = 1 - keep_axis
    return np.asarray(np.delete(nps, 0, axis=other).mean(axis=other))
