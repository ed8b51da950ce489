"""Dose in both units: counts per pixel and electrons per square angstrom (pure)."""

from __future__ import annotations

import numpy as np

SEED_DOSE_PER_AREA = 180.0
"""Electrons per square angstrom per frame of the seed's movies: ~0.45 counts/px at ~0.05 A/px."""


def electrons_per_area(counts_per_pixel: float, pixel_size: float) -> float:
    """Electrons per square angstrom per frame from counts per pixel at ``pixel_size`` A/px."""
    if pixel_size <= 0:
        raise ValueError(f"pixel_size must be > 0, got {pixel_size}")
    return counts_per_pixel / pixel_size**2


def counts_per_pixel(electrons_per_area: float, pixel_size: float) -> float:
    """Convert electrons per square angstrom per frame to counts per pixel at ``pixel_size``."""
    if pixel_size <= 0:
        raise ValueError(f"pixel_size must be > 0, got {pixel_size}")
    return electrons_per_area * pixel_size**2


def describe_dose(counts: float, pixel_size: float | None) -> str:
    """``'0.45 counts/px at 0.0488 A/px (189 e/A^2)'``; counts alone when the size is unknown."""
    if pixel_size is None:
        return f"{counts:.3g} counts/px (pixel size unknown: no e/A^2)"
    per_area = electrons_per_area(counts, pixel_size)
    return f"{counts:.3g} counts/px at {pixel_size:.4g} A/px ({per_area:.3g} e/A^2)"


def counts_verdict(frame: np.ndarray) -> str:
    """Say whether a frame looks like counted electrons (integers, >= 0, Poisson-like)."""
    if frame.min() < 0:
        return f"not counts: negative values (min {frame.min():.4g}); give counts per pixel"
    if not np.all(frame == np.round(frame)):
        return "not integers: expected counts, or a camera's units (check the gain)"
    mean = float(frame.mean())
    var = float(frame.var())
    if mean > 0 and var / mean > 20:
        return (
            f"integers, but variance/mean {var / mean:.3g} over the frame: camera units (ADU) "
            "or strong contrast; counts have variance/mean near 1 in flat regions"
        )
    return "integers >= 0: counted electrons"
