"""The noise-fit figure: count histograms, mean-variance and the noise power spectrum."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from temdenoise.figures.canvas import COLOURS, pyplot
from temdenoise.figures.noise_power import (
    Correlation,
    plot_noise_power_image,
    plot_noise_power_profiles,
)


class _Model(Protocol):
    @property
    def detector(self) -> str: ...
    def describe(self) -> str: ...


class _Lambdas(Protocol):
    @property
    def lambdas(self) -> np.ndarray: ...


class _Categorical(Protocol):
    @property
    def model(self) -> _Lambdas: ...
    @property
    def observed(self) -> np.ndarray: ...
    @property
    def modelled(self) -> np.ndarray: ...
    @property
    def poisson(self) -> np.ndarray: ...
    @property
    def kl(self) -> np.ndarray: ...
    @property
    def poisson_kl(self) -> np.ndarray: ...
    @property
    def frames(self) -> int: ...
    @property
    def total_kl(self) -> float: ...
    @property
    def total_poisson_kl(self) -> float: ...


class _Flat(Protocol):
    @property
    def mean(self) -> float: ...
    @property
    def values(self) -> np.ndarray | None: ...
    @property
    def observed(self) -> np.ndarray | None: ...
    @property
    def poisson(self) -> np.ndarray | None: ...
    @property
    def kl(self) -> float | None: ...
    @property
    def fano(self) -> float: ...


class _Transfer(Protocol):
    @property
    def mean(self) -> np.ndarray: ...
    @property
    def variance(self) -> np.ndarray: ...
    @property
    def error(self) -> np.ndarray: ...
    @property
    def slope(self) -> float: ...
    @property
    def intercept(self) -> float: ...
    @property
    def chi2_per_dof(self) -> float: ...
    @property
    def gain(self) -> float | None: ...
    @property
    def offset(self) -> float | None: ...
    @property
    def read_noise(self) -> float | None: ...
    @property
    def noise_samples(self) -> tuple[tuple[float, np.ndarray], ...]: ...


class Fit(Protocol):
    """A noise fit as the figure reads it (``temdenoise.noise.fit_model.NoiseFit``)."""

    @property
    def model(self) -> _Model: ...
    @property
    def categorical(self) -> _Categorical | None: ...
    @property
    def flat(self) -> _Flat | None: ...
    @property
    def transfer(self) -> _Transfer | None: ...
    @property
    def correlation(self) -> Correlation | None: ...


def noise_fit_figure(fit: Fit, path: str | os.PathLike[str], *, title: str = "") -> Path:
    """Write the diagnostic figure of a noise fit (PNG) and return its path.

    Panels: observed vs modelled count histograms for a few intensity bins (or the vacuum
    histogram against Poisson, or for an integrating camera the frame-difference noise
    against the photon-transfer Gaussian), the mean-variance (photon transfer) plot,
    noise power spectrum profiles with the PSF fit, and the 2-D noise power spectrum.
    """
    import textwrap

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), layout="constrained")
    head = f"{title}: " if title else ""
    fig.suptitle(textwrap.fill(head + fit.model.describe(), 110), fontsize=10)
    if fit.categorical is None and (fit.flat is None or fit.flat.observed is None):
        plot_noise_histograms(axes[0, 0], fit)
    else:
        plot_count_histograms(axes[0, 0], fit)
    plot_mean_variance(axes[0, 1], fit)
    plot_noise_power_profiles(axes[1, 0], fit)
    plot_noise_power_image(axes[1, 1], fit)
    target = Path(path)
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target


def plot_count_histograms(ax: Any, fit: Fit, *, n_shown: int = 4) -> None:
    """Observed (markers) vs modelled (lines) vs Poisson (dashed) P(k) per intensity bin."""
    ax.set_yscale("log")
    ax.set_xlabel("counts k per pixel per frame")
    ax.set_ylabel("P(k)")
    cat, flat = fit.categorical, fit.flat
    smallest = 1.0
    if cat is not None:
        lams = cat.model.lambdas
        targets = np.linspace(lams[0], lams[-1], min(n_shown, lams.size))
        shown = sorted({int(np.argmin(np.abs(lams - t))) for t in targets})
        k = np.arange(cat.observed.shape[1])
        for colour, i in zip(COLOURS, shown, strict=False):
            keep = cat.observed[i] > 0
            smallest = min(smallest, float(cat.observed[i][keep].min()))
            ax.plot(
                k[keep],
                cat.observed[i][keep],
                "o",
                color=colour,
                ms=5,
                label=f"λ={lams[i]:.3g}: observed",
            )
            ax.plot(
                k, cat.modelled[i], "-", color=colour, lw=1.2, label=f"model (KL {cat.kl[i]:.1e})"
            )
            ax.plot(
                k,
                cat.poisson[i],
                "--",
                color=colour,
                lw=0.9,
                alpha=0.7,
                label=f"Poisson (KL {cat.poisson_kl[i]:.1e})",
            )
        ax.set_title(
            f"count histograms per intensity bin ({cat.frames} frames, "
            f"mean KL {cat.total_kl:.1e} vs Poisson {cat.total_poisson_kl:.1e})",
            fontsize=9,
        )
        ax.legend(fontsize=6.5, ncols=2)
    elif flat is not None and flat.observed is not None and flat.poisson is not None:
        assert flat.values is not None
        keep = flat.observed > 0
        smallest = float(flat.observed[keep].min())
        ax.plot(flat.values[keep], flat.observed[keep], "o", color=COLOURS[0], label="observed")
        ax.plot(
            flat.values,
            flat.poisson,
            "--",
            color=COLOURS[1],
            label=f"Poisson({flat.mean:.3g}), KL {flat.kl:.1e}",
        )
        ax.set_title(f"vacuum count histogram (Fano factor {flat.fano:.3g})", fontsize=10)
        ax.legend(fontsize=8)
    ax.set_ylim(bottom=smallest / 5, top=1.5)


def plot_noise_histograms(ax: Any, fit: Fit) -> None:
    """Frame-difference noise per intensity bin vs the photon-transfer Gaussian."""
    tr = fit.transfer
    ax.set_xlabel("frame-difference noise (x[t+1] - x[t]) / √2, detector units")
    ax.set_ylabel("probability density")
    if tr is None or not tr.noise_samples:
        ax.text(
            0.5,
            0.5,
            "no frame pairs: no noise histogram",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return
    ax.set_yscale("log")
    for colour, (mean, values) in zip(COLOURS, tr.noise_samples, strict=False):
        density, edges = np.histogram(values, bins=_bins(values), density=True)
        centres = 0.5 * (edges[1:] + edges[:-1])
        keep = density > 0
        ax.plot(
            centres[keep],
            density[keep],
            "o",
            ms=3,
            color=colour,
            label=f"mean {mean:.4g}: observed",
        )
        variance = tr.slope * mean + tr.intercept
        if np.isfinite(variance) and variance > 0:
            gauss = np.exp(-0.5 * centres**2 / variance) / np.sqrt(2 * np.pi * variance)
            ax.plot(centres, gauss, "-", color=colour, lw=1, label="photon-transfer Gaussian")
    ax.set_ylim(bottom=ax.get_ylim()[0])
    ax.set_title("noise histograms per intensity bin", fontsize=10)
    ax.legend(fontsize=6.5, ncols=2)


def plot_mean_variance(ax: Any, fit: Fit) -> None:
    """Binned temporal variance vs mean with the photon-transfer line."""
    tr = fit.transfer
    ax.set_xlabel("temporal mean per pixel")
    ax.set_ylabel("temporal variance per pixel")
    if tr is None:
        ax.text(
            0.5,
            0.5,
            "one frame: no mean-variance analysis",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_title("mean-variance", fontsize=10)
        return
    ax.errorbar(
        tr.mean,
        tr.variance,
        yerr=tr.error,
        fmt="o",
        ms=4,
        color=COLOURS[0],
        label="observed (binned pixels)",
    )
    span = np.linspace(float(tr.mean.min()), float(tr.mean.max()), 50)
    if np.isfinite(tr.slope):
        ax.plot(
            span,
            tr.slope * span + tr.intercept,
            "-",
            color=COLOURS[1],
            label=f"fit: var = {tr.slope:.4g} mean {tr.intercept:+.4g}",
        )
    if fit.model.detector == "counting":
        ax.plot(span, span, "--", color="0.4", label="Poisson: var = mean")
    parts = [f"χ²/dof {tr.chi2_per_dof:.3g}"] if np.isfinite(tr.chi2_per_dof) else []
    if tr.gain is not None and fit.model.detector == "integrating":
        parts.append(f"gain {tr.gain:.4g}")
        if tr.offset is not None and tr.read_noise is not None:
            parts += [f"offset {tr.offset:.4g}", f"read noise {tr.read_noise:.3g}"]
    title = f"mean-variance ({', '.join(parts)})" if parts else "mean-variance"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)


def _bins(values: np.ndarray, most: int = 60) -> np.ndarray | int:
    """Histogram bins; for differences of whole numbers, aligned to their 1/sqrt(2) grid."""
    scaled = values * np.sqrt(2.0)
    if values.size == 0 or not np.allclose(scaled, np.round(scaled), atol=1e-3):
        return most
    low, high = int(np.round(scaled.min())), int(np.round(scaled.max()))
    stride = max(1, -(-(high - low + 1) // most))
    return np.asarray((np.arange(low, high + stride + 1, stride) - 0.5) / np.sqrt(2.0))
