"""The names a simulation can be configured with: scenes, particle shapes, defects, materials."""

from __future__ import annotations

SCENES = ("particle", "support", "vacuum")
"""What an image shows: a supported particle, the bare support, or vacuum."""

SHAPES = ("cuboctahedron", "truncated_octahedron", "octahedron", "wulff")
"""Particle shapes (:mod:`temdenoise.simulate.particle` builds them)."""

DEFECTS = ("none", "vacancies", "adatoms", "step", "island")
"""Surface defect types (:mod:`temdenoise.simulate.defects` makes them)."""

ELEMENTS = ("Pt", "Pd", "Au", "Ag", "Cu", "Ni", "Rh", "Ir")
"""fcc metals a particle can be made of (lattice constants in ``simulate.materials``)."""

SUPPORTS = ("CeO2", "ZrO2", "ThO2")
"""Fluorite supports (lattice constants in ``simulate.materials``)."""
