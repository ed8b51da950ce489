"""The crop figure of the peer benchmark: one window of one image, denoised by every method."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

COLUMNS = 4


def crop_figure(
    path: Path,
    images: dict[str, tuple[np.ndarray, float | None]],
    window: tuple[slice, slice],
    *,
    dose: float,
    pixel_size: float | None = None,
) -> None:
    """Write a PNG grid of ``window`` of each image, titled with its label and psnr_count.

    Parameters
    ----------
    path : Path
        The PNG to write.
    images : dict of str to (ndarray of shape (rows, columns), float or None)
        Label to (image in counts per pixel, its psnr_count in dB or None), in order;
        the first is the clean image, whose crop sets the grey scale of all panels.
    window : (slice, slice)
        Rows and columns of the crop.
    dose : float
        Counts per pixel in vacuum, for the title.
    pixel_size : float, optional
        Angstrom per pixel, for the title (with the dose per area).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    reference = next(iter(images.values()))[0][window]
    low, high = np.percentile(reference, [0.5, 99.5])
    rows = -(-len(images) // COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(2.4 * COLUMNS, 3.0 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, (image, psnr)) in zip(axes.flat, images.items(), strict=False):
        ax.imshow(image[window], cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        ax.set_title(label if psnr is None else f"{label}\n{psnr:.2f} dB", fontsize=8)
    size = reference.shape[0]
    title = f"{size}x{size} px crop at {dose:g} counts/px"
    if pixel_size is not None:
        title += f", {pixel_size:g} A/px ({dose / pixel_size**2:.3g} e/A^2)"
    fig.suptitle(f"{title} (psnr_count)", fontsize=9)
    fig.tight_layout(h_pad=2.0, rect=(0, 0, 1, 0.94))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    buffer.seek(0)
    Image.open(buffer).convert("L").save(path, optimize=True)
