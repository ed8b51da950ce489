"""Figures (PNG). The only module that imports matplotlib, lazily and with the Agg backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from temdenoise.noise.fit_model import NoiseFit


def pyplot() -> Any:
    """Return ``matplotlib.pyplot`` set up for writing files (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def noise_fit_figure(fit: NoiseFit, path: str | os.PathLike[str], *, title: str = "") -> Path:
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


def plot_count_histograms(ax: Any, fit: NoiseFit, *, n_shown: int = 4) -> None:
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
        for colour, i in zip(_COLOURS, shown, strict=False):
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
        ax.plot(flat.values[keep], flat.observed[keep], "o", color=_COLOURS[0], label="observed")
        ax.plot(
            flat.values,
            flat.poisson,
            "--",
            color=_COLOURS[1],
            label=f"Poisson({flat.mean:.3g}), KL {flat.kl:.1e}",
        )
        ax.set_title(f"vacuum count histogram (Fano factor {flat.fano:.3g})", fontsize=10)
        ax.legend(fontsize=8)
    ax.set_ylim(bottom=smallest / 5, top=1.5)


def plot_noise_histograms(ax: Any, fit: NoiseFit) -> None:
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
    for colour, (mean, values) in zip(_COLOURS, tr.noise_samples, strict=False):
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


def plot_mean_variance(ax: Any, fit: NoiseFit) -> None:
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
        color=_COLOURS[0],
        label="observed (binned pixels)",
    )
    span = np.linspace(float(tr.mean.min()), float(tr.mean.max()), 50)
    if np.isfinite(tr.slope):
        ax.plot(
            span,
            tr.slope * span + tr.intercept,
            "-",
            color=_COLOURS[1],
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


def plot_noise_power_profiles(ax: Any, fit: NoiseFit) -> None:
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
    for axis, name, colour in ((0, "row", _COLOURS[0]), (1, "column", _COLOURS[2])):
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


def plot_noise_power_image(ax: Any, fit: NoiseFit) -> None:
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


def _bins(values: np.ndarray, most: int = 60) -> np.ndarray | int:
    """Histogram bins; for differences of whole numbers, aligned to their 1/sqrt(2) grid."""
    scaled = values * np.sqrt(2.0)
    if values.size == 0 or not np.allclose(scaled, np.round(scaled), atol=1e-3):
        return most
    low, high = int(np.round(scaled.min())), int(np.round(scaled.max()))
    stride = max(1, -(-(high - low + 1) // most))
    return np.asarray((np.arange(low, high + stride + 1, stride) - 0.5) / np.sqrt(2.0))


def _profile(nps: np.ndarray, keep_axis: int) -> np.ndarray:
    """Mean over the other axis, leaving out its zero frequency (removed by the fit).

    ``keep_axis`` 0 gives the power against row frequency, 1 against column frequency.
    """
    other = 1 - keep_axis
    return np.asarray(np.delete(nps, 0, axis=other).mean(axis=other))


_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def image_montage(
    images: np.ndarray,
    path: str | os.PathLike[str],
    *,
    pixel_size: float,
    titles: list[str] | None = None,
    columns: int = 4,
    scale_bar: float = 10.0,
    title: str = "",
) -> Path:
    """Write a grid of images (PNG) at one figure pixel per image pixel.

    Each image is scaled to its own 0.5-99.5 percentile range.

    Parameters
    ----------
    images : ndarray of shape (n, rows, columns)
        Images in counts per pixel.
    path : str or path-like
        Output PNG.
    pixel_size : float
        Angstrom per pixel, for the scale bar.
    titles : list of str, optional
        One caption per image.
    columns : int
        Panels per row of the grid.
    scale_bar : float
        Length of the scale bar drawn on the first panel (A).
    title : str
        Figure title.

    Returns
    -------
    Path

    """
    plt = pyplot()
    stack = np.asarray(images)
    n, height, width = stack.shape
    rows = -(-n // columns)
    dpi = 100  # one image pixel per figure pixel
    size = (columns * (width / dpi + 0.1), rows * (height / dpi + 0.45) + (0.3 if title else 0))
    fig, axes = plt.subplots(rows, columns, figsize=size, squeeze=False, constrained_layout=True)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= n:
            continue
        image = stack[index]
        low, high = np.percentile(image, [0.5, 99.5])
        ax.imshow(image, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[index], fontsize=7)
        if index == 0:
            length = scale_bar / pixel_size
            r, c = image.shape[0] * 0.93, image.shape[1] * 0.05
            ax.plot([c, c + length], [r, r], color="yellow", linewidth=2.5)
            label = f"{scale_bar / 10:g} nm"
            ax.text(c, r - image.shape[0] * 0.03, label, color="yellow", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=dpi)
    plt.close(fig)
    return target


# --- evaluation figures (temdenoise evaluate) -------------------------------------------

if TYPE_CHECKING:
    from collections.abc import Sequence

    from temdenoise.evaluate.metrics import ResidualCheck
    from temdenoise.evaluate.profiles import LineProfile


def evaluation_comparison_figure(
    panels: Sequence[tuple[str, np.ndarray]],
    path: str | os.PathLike[str],
    *,
    pixel_size: float | None,
    title: str = "",
) -> Path:
    """Write side-by-side images (the seed's Figure 1: clean | noisy | denoised) as PNG.

    Parameters
    ----------
    panels : sequence of (str, ndarray of shape (rows, columns))
        Caption and image, counts per pixel. Panels whose caption starts with "noisy" get
        their own colour range; the others share the first panel's (0.5-99.5 percentile).
    path : path-like
        Output PNG.
    pixel_size : float or None
        Angstrom per pixel, for a scale bar (none when unknown).
    title : str
        Figure title.

    Returns
    -------
    Path

    """
    plt = pyplot()
    shared = next(image for caption, image in panels if not caption.startswith("noisy"))
    low, high = (float(v) for v in np.percentile(shared, [0.5, 99.5]))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.6 * len(panels), 4.4), squeeze=False, layout="constrained"
    )
    for ax, (caption, image) in zip(axes[0], panels, strict=True):
        if caption.startswith("noisy"):
            limits = (float(np.min(image)), float(np.percentile(image, 99.9)))
        else:
            limits = (low, high)
        _eval_image(ax, image, caption, limits, pixel_size)
    if title:
        fig.suptitle(title, fontsize=10)
    return _eval_save(fig, path)


def evaluation_profile_figure(
    noisy: np.ndarray,
    denoised: np.ndarray,
    profiles: dict[str, LineProfile],
    path: str | os.PathLike[str],
    *,
    pixel_size: float | None,
    snr: dict[str, float] | None = None,
) -> Path:
    """Write raw | denoised images with the profile's band, and the overlaid profiles (PNG).

    The seed's Figure 2. ``profiles`` holds "noisy" and "denoised" (and optionally
    "clean") :class:`~temdenoise.evaluate.profiles.LineProfile` along one line; the band
    drawn on the images is the profile's width. Distances are in angstrom when
    ``pixel_size`` is known, else px.
    """
    plt = pyplot()
    fig, axes = plt.subplots(
        1, 3, figsize=(15, 4.4), layout="constrained", gridspec_kw={"width_ratios": [1, 1, 1.4]}
    )
    base = profiles["denoised"]
    low, high = (float(v) for v in np.percentile(denoised, [0.5, 99.5]))
    raw_limits = (float(np.min(noisy)), float(np.percentile(noisy, 99.9)))
    for ax, image, caption, limits in (
        (axes[0], noisy, "raw (noisy)", raw_limits),
        (axes[1], denoised, "denoised", (low, high)),
    ):
        _eval_image(ax, image, caption, limits, pixel_size)
        _eval_band(ax, base)
    ax = axes[2]
    scale, unit = (pixel_size, "Å") if pixel_size else (1.0, "px")
    styles = {
        "noisy": {"color": "0.55", "lw": 1.0, "marker": ".", "ms": 3},
        "denoised": {"color": _COLOURS[0], "lw": 2.0},
        "clean": {"color": "black", "lw": 1.2, "ls": "--"},
    }
    for name in ("noisy", "denoised", "clean"):
        if name not in profiles:
            continue
        profile = profiles[name]
        label = f"{name}"
        if snr and name in snr and np.isfinite(snr[name]):
            label += f" (SNR {snr[name]:.2f})"
        ax.plot(profile.distance * scale, profile.values, label=label, **styles[name])
    ax.set_xlabel(f"distance along the line ({unit})")
    what = "summed" if base.reduce == "sum" else "averaged"
    ax.set_ylabel(f"counts {what} over {base.width} px across the line")
    ax.set_title(f"{base.width} px integrated line profiles", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _eval_save(fig, path)


def evaluation_likelihood_figure(
    denoised: np.ndarray,
    positions: np.ndarray,
    llr: np.ndarray,
    path: str | os.PathLike[str],
    *,
    background: float,
    radius: float,
    truth: np.ndarray | None = None,
) -> Path:
    """Write the per-atom likelihood map over the denoised image and its histogram (PNG).

    Each detected column's disc (``radius`` px) is painted with its Poisson log-likelihood
    ratio (nats; blue: supported by the raw counts, red: not) over the grey denoised
    image; columns with a negative ratio are circled and true columns, when given, are
    small crosses (both only while few enough to see).
    """
    from matplotlib.colors import TwoSlopeNorm

    from temdenoise.evaluate.atoms import atom_map

    plt = pyplot()
    fig, axes = plt.subplots(
        1, 2, figsize=(12, 5), layout="constrained", gridspec_kw={"width_ratios": [1.3, 1]}
    )
    ax = axes[0]
    low, high = (float(v) for v in np.percentile(denoised, [0.5, 99.5]))
    ax.imshow(denoised, cmap="gray", vmin=low, vmax=high)
    ax.set_xlabel("column (px)")
    ax.set_ylabel("row (px)")
    values = np.asarray(llr, dtype=np.float64)
    bad = values < 0
    if truth is not None and 0 < len(truth) <= 600:
        ax.plot(truth[:, 1], truth[:, 0], "+", color="gold", ms=5, mew=0.6, label="truth")
    if values.size:
        # each side of 0 spans its own range, so that a few negative columns stand out
        norm = TwoSlopeNorm(
            vcenter=0.0, vmin=min(float(values.min()), -1.0), vmax=max(float(values.max()), 1.0)
        )
        painted = np.ma.masked_invalid(atom_map(denoised.shape, positions, values, radius=radius))
        discs = ax.imshow(painted, cmap="RdBu", norm=norm, alpha=0.9)
        fig.colorbar(discs, ax=ax, shrink=0.85, label="log-likelihood ratio (nats)")
        if 0 < bad.sum() <= 300:
            ax.scatter(
                positions[bad, 1], positions[bad, 0], s=120, facecolors="none",
                edgecolors="red", linewidths=1.2, label="LLR < 0: not supported",
            )  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper right")
    ax.set_title(
        f"{values.size} columns, {int(bad.sum())} not supported by the raw counts\n"
        f"(disc radius {radius:g} px, background {background:.3g} counts/px)",
        fontsize=10,
    )
    ax = axes[1]
    if values.size:
        ax.hist(values, bins=min(60, max(10, values.size // 4)), color=_COLOURS[0])
    ax.axvline(0.0, color=_COLOURS[1], ls="--", label="0: atom and background equally likely")
    ax.set_xlabel("log-likelihood ratio per column (nats)")
    ax.set_ylabel("columns")
    ax.set_title("atom (denoised intensity) vs background (vacuum level)", fontsize=10)
    ax.legend(fontsize=8)
    return _eval_save(fig, path)


def evaluation_residual_figure(check: ResidualCheck, path: str | os.PathLike[str]) -> Path:
    """Write the residual ``noisy - denoised`` against the noise model (PNG).

    Panels: the standardised residual's density against the model's; the residual
    variance per intensity bin against the model variance; the mean residual per bin.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    model = f"variance = {check.slope:g} x intensity + {check.offset:g}"
    ax = axes[0]
    centres = 0.5 * (check.z_edges[1:] + check.z_edges[:-1])
    ax.step(centres, check.z_observed, where="mid", color=_COLOURS[0], label="observed")
    ax.plot(centres, check.z_expected, "-", color=_COLOURS[1], lw=1.2, label="noise model")
    ax.set_yscale("log")
    positive = np.concatenate([check.z_observed, check.z_expected])
    positive = positive[positive > 0]
    if positive.size:
        ax.set_ylim(bottom=float(positive.min()) / 2)
    ax.set_xlabel("(noisy - denoised) / √variance")
    ax.set_ylabel("probability density")
    ax.set_title(f"standardised residual (mean {check.mean:+.3g} counts/px)", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(check.bin_intensity, check.bin_variance, "o", color=_COLOURS[0], label="observed")
    ax.plot(check.bin_intensity, check.bin_expected, "-", color=_COLOURS[1], label=model)
    ax.set_xlabel("denoised intensity (counts/px)")
    ax.set_ylabel("residual variance (counts²)")
    ax.set_title(f"variance per intensity bin (ratio {check.variance_ratio:.3f})", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(check.bin_intensity, check.bin_mean, "o-", color=_COLOURS[0])
    ax.axhline(0.0, color="0.4", ls="--")
    ax.set_xlabel("denoised intensity (counts/px)")
    ax.set_ylabel("mean residual (counts/px)")
    lags = ", ".join(f"{k} {v:+.3f}" for k, v in check.lag_correlation.items())
    ax.set_title(f"mean residual per bin\nneighbour correlation: {lags}", fontsize=9)
    return _eval_save(fig, path)


def evaluation_per_frame_figure(
    series: dict[str, list[float]], path: str | os.PathLike[str]
) -> Path:
    """Write PSNR (with ground truth) and uPSNR (without) per frame, count convention (PNG)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    frames = np.asarray(series["frame"])
    shown = False
    lines = (
        ("psnr_count", "PSNR denoised (vs clean)", _COLOURS[0], "-"),
        ("upsnr_count", "uPSNR denoised (no ground truth)", _COLOURS[2], "--"),
        ("psnr_count_noisy", "PSNR noisy (vs clean)", "0.5", "-"),
        ("upsnr_count_noisy", "uPSNR noisy (no ground truth)", "0.3", "--"),
    )
    for key, label, colour, style in lines:
        if key not in series:
            continue
        values = np.asarray(series[key], dtype=np.float64)
        error = None
        spread = series.get(key.replace("upsnr_count", "umse") + "_se")
        if key.startswith("upsnr") and spread is not None:
            # dB interval of uMSE -/+ one standard error (open-ended above when it reaches 0)
            umse = np.asarray(series[key.replace("upsnr_count", "umse")], dtype=np.float64)
            low = np.asarray(spread, dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                top = np.where(umse - low > 0, -10 * np.log10(umse - low), np.nan)
                bottom = -10 * np.log10(umse + low)
            top = np.where(np.isfinite(top), top, np.nanmax(np.append(top, values)) + 3)
            error = np.nan_to_num(np.vstack([values - bottom, top - values]), nan=0.0)
            label += " ± 1 s.e."
            unknown = ~np.isfinite(values) & np.isfinite(bottom)
            if unknown.any():
                ax.plot(
                    frames[unknown], bottom[unknown], "^", ms=7, color=colour, mfc="none",
                    label="uMSE <= 0 there: uPSNR at least this",
                )  # fmt: skip
            overall = float(np.mean(umse))
            if overall > 0:
                ax.axhline(
                    -10 * np.log10(overall), color=colour, ls=":", lw=1,
                    label=f"{label.split(' (')[0]} from the mean uMSE: "
                    f"{-10 * np.log10(overall):.2f} dB",
                )  # fmt: skip
        ax.errorbar(
            frames, values, yerr=error, fmt=style, marker="o", ms=3, color=colour,
            capsize=2, label=label,
        )  # fmt: skip
        shown = True
    if shown:
        ax.legend(fontsize=8)
    else:
        ax.text(
            0.5, 0.5, "no per-frame metrics: no clean frames and fewer than 4 frames",
            ha="center", va="center", transform=ax.transAxes,
        )  # fmt: skip
    ax.set_xlabel("frame")
    ax.set_ylabel("dB, 10 log10(1 / MSE in counts²)")
    ax.set_title("PSNR and uPSNR per frame (count convention)", fontsize=10)
    ax.grid(alpha=0.3)
    return _eval_save(fig, path)


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
    _eval_image(axes[2], difference, "raw - denoised", (-spread, spread), pixel_size)
    axes[2].images[0].set_cmap("RdBu_r")
    return _eval_save(fig, path)


SPECTRUM_MAX = 1.25
"""Largest spatial frequency shown, 1/A: Pt's lattice reflections and a 0.8 A information limit."""


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


def plain_image(
    image: np.ndarray, path: str | os.PathLike[str], *, limits: tuple[float, float]
) -> Path:
    """Write ``image`` as a grey PNG of its own pixels (no axes), for the report's slider."""
    plt = pyplot()
    target = Path(path)
    plt.imsave(target, image, cmap="gray", vmin=limits[0], vmax=limits[1])
    return target


def _eval_image(
    ax: Any,
    image: np.ndarray,
    caption: str,
    limits: tuple[float, float],
    pixel_size: float | None,
) -> None:
    """Grey image with a counts/px colour bar, px axes and a scale bar when possible."""
    shown = ax.imshow(image, cmap="gray", vmin=limits[0], vmax=limits[1], interpolation="nearest")
    ax.figure.colorbar(shown, ax=ax, shrink=0.8, label="counts/px")
    ax.set_title(caption, fontsize=10)
    ax.set_xlabel("column (px)")
    ax.set_ylabel("row (px)")
    if pixel_size:
        rows, columns = image.shape
        target = columns * pixel_size / 5
        length = float(10 ** np.floor(np.log10(target)))
        length *= max(m for m in (1, 2, 5) if m * length <= target)
        r, c = rows * 0.93, columns * 0.05
        ax.plot([c, c + length / pixel_size], [r, r], color="yellow", lw=3)
        label = f"{length / 10:g} nm" if length >= 10 else f"{length:g} Å"
        ax.text(c, r - rows * 0.03, label, color="yellow", fontsize=9)


def _eval_band(ax: Any, profile: LineProfile) -> None:
    """Outline the band a line profile integrates over."""
    (r0, c0), (r1, c1) = profile.start, profile.end
    length = float(np.hypot(r1 - r0, c1 - c0))
    across = np.array([-(c1 - c0), r1 - r0]) / length * profile.width / 2
    first, last = np.array([r0, c0]), np.array([r1, c1])
    corners = np.array([first + across, last + across, last - across, first - across])
    corners = np.vstack([corners, corners[:1]])
    ax.plot(corners[:, 1], corners[:, 0], color=_COLOURS[4], lw=1.2)
    arrow = {"arrowstyle": "->", "color": _COLOURS[4]}
    ax.annotate("", xy=(c1, r1), xytext=(c0, r0), arrowprops=arrow)


def _eval_save(fig: Any, path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=100)
    pyplot().close(fig)
    return target
