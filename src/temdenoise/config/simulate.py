"""Configuration of ``temdenoise simulate``: the specimen, microscope and movie to simulate."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from temdenoise.config.base import StageConfig
from temdenoise.config.specimen import DEFECTS, ELEMENTS, SCENES, SHAPES, SUPPORTS


class SimulateConfig(StageConfig):
    """``temdenoise simulate``: clean HRTEM images, or a movie, of a supported particle.

    Lengths in angstrom, angles in degrees (``angular_spread_range`` in mrad), energy
    in eV. ``defocus`` is -C10 (negative is overfocus); ``focal_spread`` is the 1/e
    half-width of the defocus spread. Each ``*_range`` is sampled uniformly per image.
    The default reproduces the seed's set-up: Pt on CeO2, 460 training and 20 test
    images, varied over particle shape and size, surface defects, support thickness,
    tilt, defocus (0-20 nm) and focal spread. ``movie_frames`` switches to one in situ
    movie of that many frames (``n_train`` and ``n_test`` are then unused).
    """

    n_train: int = Field(default=460, ge=0)
    n_test: int = Field(default=20, ge=0)
    movie_frames: int | None = Field(default=None, ge=1)
    size: int = Field(default=512, ge=16, le=8192, description="rows = columns, pixels")
    dose: float = Field(default=0.45, gt=0, description="vacuum counts per pixel")
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=1, ge=1, le=256, description="processes")
    element: str = "Pt"
    support: str = "CeO2"
    scene_weights: dict[str, float] = Field(
        default={"particle": 0.9, "support": 0.07, "vacuum": 0.03}
    )
    shapes: tuple[str, ...] = ("cuboctahedron", "truncated_octahedron", "octahedron", "wulff")
    defects: tuple[str, ...] = ("none", "vacancies", "adatoms", "step", "island")
    diameter_range: tuple[float, float] = (15.0, 60.0)
    truncation_range: tuple[float, float] = (0.1, 0.35)
    defect_count_range: tuple[int, int] = (1, 12)
    support_thickness_range: tuple[float, float] = (30.0, 60.0)
    interface_row_range: tuple[float, float] = (0.55, 0.8)
    tilt_max: float = Field(default=4.0, ge=0, le=20)
    rotation_max: float = Field(default=10.0, ge=0, le=180)
    cs: float = Field(default=-1.0e5, description="C30 in angstrom (-10 um)")
    defocus_range: tuple[float, float] = (-200.0, 0.0)
    angular_spread_range: tuple[float, float] = (0.1, 0.3)
    vibration_range: tuple[float, float] = (0.0, 0.3)
    focal_spread_samples: int = Field(default=7, ge=0, le=64)
    mtf: tuple[float, float] | None = None
    slice_thickness: float = Field(default=2.0, gt=0, le=10)
    margin: float = Field(default=16.0, ge=0, description="simulated and cropped, angstrom")
    frozen_phonons: int = Field(default=0, ge=0, le=64)
    movie_events: float = Field(default=2.0, ge=0, description="surface events per frame")
    movie_drift: float = Field(default=0.2, ge=0, description="angstrom per frame")
    movie_rotation: float = Field(default=0.05, ge=0, description="degrees per frame")
    movie_defocus_drift: float = Field(default=1.0, ge=0, description="angstrom per frame")
    # the pixel size must sample what these transfer (simulate.transfer.check_sampling):
    pixel_size: float = Field(default=0.25, gt=0, description="angstrom per pixel")
    energy: float = Field(default=300e3, ge=20e3, le=1.5e6, description="eV")
    sampling: float = Field(default=0.1, gt=0, le=0.1, description="multislice grid, angstrom")
    objective_aperture: float | None = Field(default=None, gt=0, description="mrad")
    focal_spread_range: tuple[float, float] = Field(default=(20.0, 45.0), validate_default=True)

    @field_validator("element")
    @classmethod
    def _check_element(cls, value: str) -> str:
        if value not in ELEMENTS:
            known = ", ".join(sorted(ELEMENTS))
            raise ValueError(f"unknown element {value!r}: the particle is one of {known}")
        return value

    @field_validator("support")
    @classmethod
    def _check_support(cls, value: str) -> str:
        if value not in SUPPORTS:
            known = ", ".join(sorted(SUPPORTS))
            raise ValueError(f"unknown support {value!r}: the support is one of {known}")
        return value

    @field_validator("scene_weights")
    @classmethod
    def _check_scenes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(SCENES))
        if unknown or any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError(f"needs non-negative weights of {', '.join(SCENES)}, not all 0")
        return value

    @field_validator("shapes", "defects")
    @classmethod
    def _check_choices(cls, value: tuple[str, ...], info: Any) -> tuple[str, ...]:
        known = SHAPES if info.field_name == "shapes" else DEFECTS
        unknown = sorted(set(value) - set(known))
        if not value or unknown:
            raise ValueError(f"choose from {', '.join(known)} (got {', '.join(unknown) or 'none'})")
        return value

    @field_validator(
        "diameter_range",
        "truncation_range",
        "defect_count_range",
        "support_thickness_range",
        "interface_row_range",
        "angular_spread_range",
        "vibration_range",
        "focal_spread_range",
    )
    @classmethod
    def _check_range(cls, value: tuple[float, float], info: Any) -> tuple[float, float]:
        low, high = value
        if low > high:
            raise ValueError(f"the low end {low} is above the high end {high}")
        positive = info.field_name in ("diameter_range", "support_thickness_range")
        if low < 0 or (positive and low <= 0):
            raise ValueError(f"must be {'positive' if positive else 'non-negative'}, got {low}")
        fractions = ("truncation_range", "interface_row_range")
        if info.field_name in fractions and high >= 1:
            raise ValueError(f"is a fraction below 1, got {high}")
        return value
