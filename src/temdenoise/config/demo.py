"""Configuration of ``temdenoise demo``: the whole chain on a simulated movie with truth."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from temdenoise.config.base import StageConfig


class DemoConfig(StageConfig):
    """``temdenoise demo``: the whole chain on a simulated in situ movie with ground truth.

    A movie of ``frames`` frames of ``size`` x ``size`` px at ``pixel_size`` A/px (the
    model grid) is simulated (``workers`` processes), rendered on a detector of
    ``detector_pixel_size`` A/px (smooth, count-conserving enlargement), drawn with Poisson
    noise at ``dose`` vacuum counts per detector pixel (seeded by ``seed``), fitted with a
    noise model, denoised with ``model`` (a shipped name or a model file) on ``device``
    through the path a user's file takes (binned to the model's grid and back) and
    evaluated against the truth at the detector's resolution. Every file goes into
    ``output``. The defaults are the seed's regime: 0.45 counts/px at 0.05 A/px, 180 e/A^2.
    """

    output: Path = Path("demo-output")
    model: str = "bf-unet"
    frames: int = Field(default=16, ge=8, le=1000, description="movie frames")
    size: int = Field(default=384, ge=32, le=4096, description="rows = columns, pixels")
    pixel_size: float = Field(default=0.25, gt=0, description="simulated, angstrom per pixel")
    detector_pixel_size: float = Field(default=0.05, gt=0, description="angstrom per pixel")
    dose: float = Field(default=0.45, gt=0, description="vacuum counts per detector pixel")
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=2, ge=1, le=256, description="simulation processes")
    device: str | None = None

    @model_validator(mode="after")
    def _check_detector(self) -> Self:
        if self.detector_pixel_size > self.pixel_size * (1 + 1e-9):
            raise ValueError(
                f"detector_pixel_size {self.detector_pixel_size} is coarser than the simulated "
                f"pixel_size {self.pixel_size}: the detector must sample at least as finely"
            )
        return self

    @property
    def detector_size(self) -> int:
        """Rows = columns of a detector frame."""
        return round(self.size * self.pixel_size / self.detector_pixel_size)

    @property
    def simulated_dose(self) -> float:
        """Vacuum counts per pixel of the simulated movie: detector pixels per pixel x dose."""
        return self.dose * (self.detector_size / self.size) ** 2
