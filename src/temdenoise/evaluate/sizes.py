"""Sizes of atom detection and line profiles in px: given, or scaled from 0.25 A/px defaults.

The defaults were chosen on the models' 0.25 A/px grid (Pt columns ~2.8 A apart, 11 px):
a profile 10 px wide, smoothing of 1.5 px, columns at least 4 px apart, a likelihood disc of
3 px and a match distance of 3 px. On other grids they keep their size in angstrom (at the
seed's 0.05 A/px: 50, 7.5, 20, 15 and 15 px); without a pixel size they are used as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REFERENCE_PIXEL_SIZE = 0.25
"""Angstrom per pixel the defaults below are for."""

DEFAULTS_PX = {
    "width": 10,
    "atom_sigma": 1.5,
    "min_distance": 4,
    "atom_radius": 3.0,
    "tolerance": 3.0,
}
INTEGER = frozenset({"width", "min_distance"})


def pixel_sizes(given: Mapping[str, Any], pixel_size: float | None) -> dict[str, Any]:
    """Each of :data:`DEFAULTS_PX` in px: as ``given`` when not None, else scaled to the grid."""
    scale = REFERENCE_PIXEL_SIZE / pixel_size if pixel_size else 1.0
    out: dict[str, Any] = {}
    for name, default in DEFAULTS_PX.items():
        value = given.get(name)
        if value is None:
            value = default * scale
            if name in INTEGER:
                value = max(1, round(value))
        out[name] = value
    return out
