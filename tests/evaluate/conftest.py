"""Synthetic HRTEM-like scenes: Gaussian atom columns on a vacuum level."""

from __future__ import annotations

import numpy as np
import pytest


def lattice_positions(shape, *, spacing=10.0, margin=8.0, radius=None):
    """(row, column) of a square lattice, optionally cut to a disc (a particle)."""
    rows = np.arange(margin, shape[0] - margin + 1e-9, spacing)
    columns = np.arange(margin, shape[1] - margin + 1e-9, spacing)
    grid = np.array([(r, c) for r in rows for c in columns], dtype=np.float64)
    if radius is not None:
        centre = np.array(shape, dtype=np.float64) / 2
        grid = grid[np.hypot(*(grid - centre).T) <= radius]
    return grid


def render(shape, positions, *, background=0.45, amplitude=0.8, sigma=2.0):
    """Counts per pixel: background plus one Gaussian per column."""
    rows, columns = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    image = np.full(shape, background)
    for r, c in positions:
        image += amplitude * np.exp(-((rows - r) ** 2 + (columns - c) ** 2) / (2 * sigma**2))
    return image.astype(np.float32)


@pytest.fixture
def scene():
    """A 96 x 96 particle of columns 10 px apart at 0.45 counts/px vacuum."""
    shape = (96, 96)
    positions = lattice_positions(shape, radius=34)
    return shape, positions, render(shape, positions)
