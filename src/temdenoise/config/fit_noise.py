"""Configuration of ``temdenoise fit-noise`` and the rectangular regions it fits on."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from temdenoise.config.base import StageConfig

Region = tuple[int, int, int, int]
"""(row_start, row_stop, column_start, column_stop) of a rectangle, in pixels."""


class FitNoiseConfig(StageConfig):
    """``temdenoise fit-noise``: fit a detector noise model to frames of a real movie.

    ``roi`` is the region the model is fitted on (default: the central ``max_region`` x
    ``max_region`` pixels); ``vacuum_roi`` an optional vacuum or flat region giving the
    dose. Regions are (row_start, row_stop, column_start, column_stop). At most
    ``max_frames`` frames are read from the start of ``frames``.
    """

    input: Path
    output: Path
    dataset: str | None = None
    roi: Region | None = None
    vacuum_roi: Region | None = None
    frames: tuple[int, int | None] = (0, None)
    max_frames: int = Field(default=64, ge=1, le=4096, description="most frames read")
    detector: Literal["auto", "counting", "integrating"] = "auto"
    counting_model: Literal["categorical", "poisson"] = "categorical"
    n_bins: int = Field(default=16, ge=1, le=256, description="intensity bins (categorical)")
    align: bool = True
    max_shift: int = Field(default=32, ge=0, description="largest drift searched, pixels")
    offset: float | None = Field(default=None, description="known detector offset (ADU)")
    tile: int = Field(default=64, ge=16, le=1024, description="noise power spectrum size, px")
    max_region: int = Field(default=512, ge=16, description="side of the default region, px")
    figure: bool = True

    @field_validator("roi", "vacuum_roi")
    @classmethod
    def _check_region(cls, value: Region | None) -> Region | None:
        if value is not None:
            r0, r1, c0, c1 = value
            if not (0 <= r0 < r1 and 0 <= c0 < c1):
                raise ValueError(f"a region needs 0 <= start < stop on both axes, got {value}")
        return value
