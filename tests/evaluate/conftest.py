"""Synthetic HRTEM-like scenes and movies: Gaussian atom columns on a vacuum level."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

SHAPE = (64, 64)
SPURIOUS = (6.0, 32.0)


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


@pytest.fixture(scope="module")
def movie():
    """Clean, noisy (Poisson) and 'denoised' (smoothed, with one invented atom) 5-frame movies."""
    truth = lattice_positions(SHAPE, spacing=10.0, radius=22)
    clean = render(SHAPE, truth, amplitude=1.2)
    rng = np.random.default_rng(3)
    noisy = rng.poisson(np.broadcast_to(clean, (5, *SHAPE))).astype(np.float32)
    smooth = 0.5 * ndimage.gaussian_filter(noisy, (0, 2.0, 2.0)) + 0.5 * clean
    invented = render(SHAPE, [SPURIOUS], background=0.0, amplitude=1.2)
    return clean, noisy, (smooth + invented).astype(np.float32)


def strict_json(path):
    def refuse(name):
        raise AssertionError(f"{name} in JSON")

    return json.loads(path.read_text(), parse_constant=refuse)
