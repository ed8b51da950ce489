"""Plain images: a montage of frames with a scale bar, and one frame as a bare PNG."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from temdenoise.figures.canvas import pyplot


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


def plain_image(
    image: np.ndarray, path: str | os.PathLike[str], *, limits: tuple[float, float]
) -> Path:
    """Write ``image`` as a grey PNG of its own pixels (no axes), for the report's slider."""
    plt = pyplot()
    target = Path(path)
    plt.imsave(target, image, cmap="gray", vmin=limits[0], vmax=limits[1])
    return target
