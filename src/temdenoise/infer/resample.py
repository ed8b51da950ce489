"""Resampling frames between the data's pixel size and a model's (pure)."""

from __future__ import annotations

import numpy as np

TOLERANCE = 0.01
"""Relative pixel-size difference below which frames are not resampled."""


def resample_factor(
    data_pixel_size: float | None,
    model_pixel_size: float,
    trained_range: tuple[float, float] | None = None,
) -> float | None:
    """Zoom factor from the data's grid to the model's, or None when no resampling is needed.

    Parameters
    ----------
    data_pixel_size : float or None
        Angstrom per pixel of the data; None (unknown) means no resampling.
    model_pixel_size : float
        Angstrom per pixel the model was trained at.
    trained_range : (float, float), optional
        Pixel sizes the model was trained over (rescaling augmentation). Data inside it
        are not resampled; data outside are resampled to the nearer end of it.
    """
    if data_pixel_size is None:
        return None
    target = model_pixel_size
    if trained_range is not None:
        low, high = trained_range
        target = min(max(data_pixel_size, low), high)
    factor = data_pixel_size / target
    return None if abs(factor - 1.0) < TOLERANCE else factor


def zoom_frames(frames: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resample frames to ``shape`` (rows, columns), conserving counts per unit area.

    Interpolation is linear in the data, so a bias-free network applied on the new grid
    keeps its homogeneity. Counts per pixel scale with the pixel area, so the result is
    in expected counts per pixel of the new grid.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
    shape : (int, int)

    Returns
    -------
    ndarray of float32, shape (frames, *shape)
    """
    from scipy import ndimage

    rows, cols = frames.shape[1:]
    zoom = (shape[0] / rows, shape[1] / cols)
    area = 1.0 / (zoom[0] * zoom[1])
    out = np.empty((frames.shape[0], *shape), dtype=np.float32)
    for i, frame in enumerate(frames):
        out[i] = ndimage.zoom(
            np.asarray(frame, dtype=np.float32), zoom, order=1, mode="nearest", grid_mode=True
        )
    out *= np.float32(area)
    return out


def model_grid_shape(shape: tuple[int, int], factor: float) -> tuple[int, int]:
    """Frame size (rows, columns) on the model's grid for a zoom ``factor``."""
    return (max(1, round(shape[0] * factor)), max(1, round(shape[1] * factor)))
