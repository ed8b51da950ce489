"""Figures of ``temdenoise evaluate``: images side by side, line profiles, residual, per frame."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from temdenoise.figures.canvas import COLOURS, image_panel, pyplot, save


class Profile(Protocol):
    """A line profile as the figures read it (``temdenoise.evaluate.profiles.LineProfile``)."""

    @property
    def distance(self) -> np.ndarray: ...
    @property
    def values(self) -> np.ndarray: ...
    @property
    def start(self) -> tuple[float, float]: ...
    @property
    def end(self) -> tuple[float, float]: ...
    @property
    def width(self) -> int: ...
    @property
    def reduce(self) -> str: ...


class Residual(Protocol):
    """A residual check as the figures read it (``temdenoise.evaluate.residual.ResidualCheck``)."""

    @property
    def mean(self) -> float: ...
    @property
    def bin_intensity(self) -> np.ndarray: ...
    @property
    def bin_mean(self) -> np.ndarray: ...
    @property
    def bin_variance(self) -> np.ndarray: ...
    @property
    def bin_expected(self) -> np.ndarray: ...
    @property
    def variance_ratio(self) -> float: ...
    @property
    def lag_correlation(self) -> dict[str, float]: ...
    @property
    def z_edges(self) -> np.ndarray: ...
    @property
    def z_observed(self) -> np.ndarray: ...
    @property
    def z_expected(self) -> np.ndarray: ...
    @property
    def slope(self) -> float: ...
    @property
    def offset(self) -> float: ...


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
        image_panel(ax, image, caption, limits, pixel_size)
    if title:
        fig.suptitle(title, fontsize=10)
    return save(fig, path)


def evaluation_profile_figure(
    noisy: np.ndarray,
    denoised: np.ndarray,
    profiles: Mapping[str, Profile],
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
        image_panel(ax, image, caption, limits, pixel_size)
        _band(ax, base)
    ax = axes[2]
    scale, unit = (pixel_size, "Å") if pixel_size else (1.0, "px")
    styles = {
        "noisy": {"color": "0.55", "lw": 1.0, "marker": ".", "ms": 3},
        "denoised": {"color": COLOURS[0], "lw": 2.0},
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
    return save(fig, path)


def _band(ax: Any, profile: Profile) -> None:
    """Outline the band a line profile integrates over."""
    (r0, c0), (r1, c1) = profile.start, profile.end
    length = float(np.hypot(r1 - r0, c1 - c0))
    across = np.array([-(c1 - c0), r1 - r0]) / length * profile.width / 2
    first, last = np.array([r0, c0]), np.array([r1, c1])
    corners = np.array([first + across, last + across, last - across, first - across])
    corners = np.vstack([corners, corners[:1]])
    ax.plot(corners[:, 1], corners[:, 0], color=COLOURS[4], lw=1.2)
    arrow = {"arrowstyle": "->", "color": COLOURS[4]}
    ax.annotate("", xy=(c1, r1), xytext=(c0, r0), arrowprops=arrow)


def evaluation_residual_figure(check: Residual, path: str | os.PathLike[str]) -> Path:
    """Write the residual ``noisy - denoised`` against the noise model (PNG).

    Panels: the standardised residual's density against the model's; the residual
    variance per intensity bin against the model variance; the mean residual per bin.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    model = f"variance = {check.slope:g} x intensity + {check.offset:g}"
    ax = axes[0]
    centres = 0.5 * (check.z_edges[1:] + check.z_edges[:-1])
    ax.step(centres, check.z_observed, where="mid", color=COLOURS[0], label="observed")
    ax.plot(centres, check.z_expected, "-", color=COLOURS[1], lw=1.2, label="noise model")
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
    ax.plot(check.bin_intensity, check.bin_variance, "o", color=COLOURS[0], label="observed")
    ax.plot(check.bin_intensity, check.bin_expected, "-", color=COLOURS[1], label=model)
    ax.set_xlabel("denoised intensity (counts/px)")
    ax.set_ylabel("residual variance (counts²)")
    ax.set_title(f"variance per intensity bin (ratio {check.variance_ratio:.3f})", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(check.bin_intensity, check.bin_mean, "o-", color=COLOURS[0])
    ax.axhline(0.0, color="0.4", ls="--")
    ax.set_xlabel("denoised intensity (counts/px)")
    ax.set_ylabel("mean residual (counts/px)")
    lags = ", ".join(f"{k} {v:+.3f}" for k, v in check.lag_correlation.items())
    ax.set_title(f"mean residual per bin\nneighbour correlation: {lags}", fontsize=9)
    return save(fig, path)


def evaluation_per_frame_figure(
    series: dict[str, list[float]], path: str | os.PathLike[str]
) -> Path:
    """Write PSNR (with ground truth) and uPSNR (without) per frame, count convention (PNG)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    frames = np.asarray(series["frame"])
    shown = False
    lines = (
        ("psnr_count", "PSNR denoised (vs clean)", COLOURS[0], "-"),
        ("upsnr_count", "uPSNR denoised (no ground truth)", COLOURS[2], "--"),
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
    return save(fig, path)
