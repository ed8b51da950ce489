"""Matplotlib set up for files, the shared colours, image panels and saving a figure."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def pyplot() -> Any:
    """Return ``matplotlib.pyplot`` set up for writing files (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def image_panel(
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


def save(fig: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG at 100 dpi (creating the folder), close it and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=100)
    pyplot().close(fig)
    return target
