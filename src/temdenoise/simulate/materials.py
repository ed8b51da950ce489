"""Material constants of the specimen: lattice constants of metals and supports, thermal motion."""

from __future__ import annotations

from collections.abc import Mapping

FCC_LATTICE_CONSTANTS: Mapping[str, float] = {
    "Pt": 3.924,
    "Pd": 3.891,
    "Au": 4.078,
    "Ag": 4.086,
    "Cu": 3.615,
    "Ni": 3.524,
    "Rh": 3.803,
    "Ir": 3.839,
}
"""Room-temperature lattice constants of fcc metals (angstrom)."""

FLUORITE_LATTICE_CONSTANTS: Mapping[str, float] = {"CeO2": 5.411, "ZrO2": 5.09, "ThO2": 5.597}
"""Lattice constants of fluorite-structure supports (angstrom; ZrO2 is the cubic phase)."""

THERMAL_SIGMAS: Mapping[str, float] = {
    "Pt": 0.063,
    "Pd": 0.075,
    "Au": 0.086,
    "Ag": 0.093,
    "Cu": 0.085,
    "Ni": 0.075,
    "Rh": 0.065,
    "Ir": 0.055,
    "Ce": 0.056,
    "Zr": 0.070,
    "Th": 0.065,
    "O": 0.083,
}
"""Room-temperature root-mean-square displacement along one axis, sqrt(B / 8 pi^2) (angstrom)."""
