"""The scene record: what one image holds (particle, support or vacuum), and its random draw."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from temdenoise.config.specimen import DEFECTS, SCENES, SHAPES


@dataclass(frozen=True)
class SceneParameters:
    """Every randomized value of one scene: with the element names it fixes the structure.

    Lengths in angstrom, angles in degrees, positions as fractions of the visible field.

    Attributes
    ----------
    kind : {'particle', 'support', 'vacuum'}
        What the scene holds.
    shape : str
        Particle shape, one of :data:`SHAPES` ('' without a particle).
    diameter : float
        Volume-equivalent target diameter of the particle before truncation (A).
    truncation : float
        Fraction of the particle's (111) layers removed at the interface, 0 to 1.
    defect : str
        Surface defect type, one of :data:`DEFECTS`.
    defect_count : int
        Atoms removed (vacancies, step) or added (adatoms, island).
    defect_seed : int
        Seed of the random placement of the defect atoms.
    support_thickness : float
        Support thickness along the beam (A); 0 without a support.
    interface_row : float
        Height of the support surface as a fraction of the visible rows (0 top, 1 bottom).
    particle_column : float
        Column of the particle centre as a fraction of the visible columns.
    support_offset : float
        Lateral shift of the support lattice along the columns (A).
    tilt_row_axis : float
        Specimen tilt about the row (vertical) axis (degrees).
    tilt_column_axis : float
        Specimen tilt about the column (horizontal) axis (degrees).
    rotation : float
        In-plane rotation of the specimen about the beam (degrees, counter-clockwise).

    """

    kind: str = "particle"
    shape: str = "truncated_octahedron"
    diameter: float = 30.0
    truncation: float = 0.2
    defect: str = "none"
    defect_count: int = 0
    defect_seed: int = 0
    support_thickness: float = 40.0
    interface_row: float = 0.65
    particle_column: float = 0.5
    support_offset: float = 0.0
    tilt_row_axis: float = 0.0
    tilt_column_axis: float = 0.0
    rotation: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCENES:
            raise ValueError(f"unknown scene kind {self.kind!r}; expected one of {SCENES}")
        if self.kind == "particle" and self.shape not in SHAPES:
            raise ValueError(f"unknown particle shape {self.shape!r}; expected one of {SHAPES}")
        if self.defect not in DEFECTS:
            raise ValueError(f"unknown defect {self.defect!r}; expected one of {DEFECTS}")
        if self.kind != "vacuum" and self.support_thickness <= 0:
            raise ValueError(f"support_thickness must be > 0, got {self.support_thickness}")
        if self.kind == "particle" and self.diameter <= 0:
            raise ValueError(f"diameter must be > 0, got {self.diameter}")
        if not 0 <= self.truncation < 1:
            raise ValueError(f"truncation must be in [0, 1), got {self.truncation}")
        if self.defect_count < 0:
            raise ValueError(f"defect_count must be >= 0, got {self.defect_count}")


def draw_scene(
    rng: np.random.Generator,
    *,
    scene_weights: Mapping[str, float],
    shapes: tuple[str, ...] = SHAPES,
    defects: tuple[str, ...] = DEFECTS,
    diameter_range: tuple[float, float] = (15.0, 60.0),
    truncation_range: tuple[float, float] = (0.1, 0.35),
    defect_count_range: tuple[int, int] = (1, 12),
    support_thickness_range: tuple[float, float] = (30.0, 60.0),
    interface_row_range: tuple[float, float] = (0.55, 0.8),
    tilt_max: float = 4.0,
    rotation_max: float = 10.0,
) -> SceneParameters:
    """Draw one random scene record.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the record alone then rebuilds the structure.
    scene_weights : mapping of str to float
        Relative frequency of 'particle', 'support' and 'vacuum' scenes.
    shapes, defects : tuple of str
        Particle shapes and defect types to choose from, uniformly.
    diameter_range : (float, float)
        Volume-equivalent particle diameter (A), uniform.
    truncation_range : (float, float)
        Fraction of (111) layers cut at the interface, uniform.
    defect_count_range : (int, int)
        Atoms per defect, inclusive, uniform.
    support_thickness_range : (float, float)
        Support thickness along the beam (A), uniform.
    interface_row_range : (float, float)
        Support surface height as a fraction of the rows, uniform.
    tilt_max : float
        Largest tilt about each in-plane axis (degrees); each is uniform in [-max, max].
    rotation_max : float
        Largest in-plane rotation (degrees), uniform in [-max, max].

    Returns
    -------
    SceneParameters

    """
    kinds = [k for k in SCENES if scene_weights.get(k, 0.0) > 0]
    weights = np.array([scene_weights[k] for k in kinds], dtype=np.float64)
    kind = kinds[rng.choice(len(kinds), p=weights / weights.sum())]
    values: dict[str, Any] = {
        "kind": kind,
        "shape": shapes[rng.integers(len(shapes))],
        "diameter": float(rng.uniform(*diameter_range)),
        "truncation": float(rng.uniform(*truncation_range)),
        "defect": defects[rng.integers(len(defects))],
        "defect_count": int(rng.integers(defect_count_range[0], defect_count_range[1] + 1)),
        "defect_seed": int(rng.integers(2**31)),
        "support_thickness": float(rng.uniform(*support_thickness_range)),
        "interface_row": float(rng.uniform(*interface_row_range)),
        "particle_column": float(rng.uniform(0.3, 0.7)),
        "support_offset": float(rng.uniform(0.0, 10.0)),
        "tilt_row_axis": float(rng.uniform(-tilt_max, tilt_max)),
        "tilt_column_axis": float(rng.uniform(-tilt_max, tilt_max)),
        "rotation": float(rng.uniform(-rotation_max, rotation_max)),
    }
    if kind != "particle":
        values.update(shape="", diameter=0.0, truncation=0.0, defect="none", defect_count=0)
    if kind == "vacuum":
        values.update(support_thickness=0.0, tilt_row_axis=0.0, tilt_column_axis=0.0, rotation=0.0)
    return SceneParameters(**values)
