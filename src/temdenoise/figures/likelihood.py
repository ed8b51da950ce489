"""The per-atom likelihood figure: each column's log-likelihood ratio painted on its disc."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from temdenoise.figures.canvas import COLOURS, pyplot, save


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
        ax.hist(values, bins=min(60, max(10, values.size // 4)), color=COLOURS[0])
    ax.axvline(0.0, color=COLOURS[1], ls="--", label="0: atom and background equally likely")
    ax.set_xlabel("log-likelihood ratio per column (nats)")
    ax.set_ylabel("columns")
    ax.set_title("atom (denoised intensity) vs background (vacuum level)", fontsize=10)
    ax.legend(fontsize=8)
    return save(fig, path)


def atom_map(
    shape: tuple[int, int], positions: np.ndarray, values: np.ndarray, *, radius: float
) -> np.ndarray:
    """Paint one value per atom column over its disc, for display.

    Parameters
    ----------
    shape : tuple of int
        (rows, columns) of the image.
    positions : ndarray of shape (n, 2)
        (row, column) of the columns, px.
    values : ndarray of shape (n,)
        Value of each column (e.g. its log-likelihood ratio).
    radius : float
        Disc radius, px (at least one pixel is painted).

    Returns
    -------
    ndarray of shape (rows, columns)
        The values on the discs (a later column wins where discs overlap), NaN elsewhere.

    """
    painted = np.full(shape, np.nan)
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    reach = max(math.ceil(radius), 0)
    dr, dc = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    for (row, column), value in zip(points, np.asarray(values, dtype=np.float64), strict=True):
        r, c = np.rint(row).astype(int) + dr, np.rint(column).astype(int) + dc
        inside = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
        inside &= ((r - row) ** 2 + (c - column) ** 2 <= max(radius, 0.5) ** 2) | (
            (r == np.rint(row)) & (c == np.rint(column))
        )
        painted[r[inside], c[inside]] = value
    return painted
