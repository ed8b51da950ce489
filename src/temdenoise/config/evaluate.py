"""Configuration of ``temdenoise evaluate``: metrics and figures for denoised movies."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from temdenoise.config.base import StageConfig


class EvaluateConfig(StageConfig):
    """``temdenoise evaluate``: metrics and figures for (noisy, denoised[, clean]) movies.

    Frames ``frames`` (at most ``max_frames`` from its start) are evaluated; figures show
    frame ``frame`` (default: the middle one). ``line`` is the profile's (row0, column0,
    row1, column1) in px (default: a horizontal line through the frame's centre over its
    middle half), integrated over ``width`` px. Atom columns are found in the denoised
    (and clean) frame as local extrema of ``polarity`` after smoothing by ``atom_sigma`` px,
    at least ``min_distance`` px apart and beyond ``threshold`` counts/px (default: Otsu's
    threshold); a detection matches a true column within
    ``tolerance`` px; likelihood ratios sum the pixels within ``atom_radius`` px against
    the ``background`` level (counts/px; default: the median far from every column). Sizes
    left unset keep their size in angstrom whatever the sampling (see
    :mod:`temdenoise.evaluate.sizes`: 10, 1.5, 4, 3 and 3 px at 0.25 A/px). The residual's
    noise variance is ``variance_slope * intensity + variance_offset`` (Poisson: 1, 0), or
    that of the ``noise`` model (from ``fit-noise``) when one is given. A denoised output of
    a frame range is compared with the frames of the noisy movie its provenance names;
    ``frames`` counts in the denoised movie. ``umse`` "adjacent" estimates uMSE from
    neighbouring frames (a static scene and a single-frame denoiser; needs 4 frames).
    """

    noisy: Path
    denoised: Path
    output: Path
    clean: Path | None = None
    dataset: str | None = Field(default=None, description="array inside the noisy file")
    denoised_dataset: str | None = None
    clean_dataset: str | None = None
    pixel_size: float | None = Field(default=None, gt=0, description="angstrom per pixel")
    frames: tuple[int, int | None] = (0, None)
    max_frames: int = Field(default=64, ge=1, le=100_000, description="most frames evaluated")
    frame: int | None = Field(default=None, ge=0, description="frame shown in the figures")
    line: tuple[float, float, float, float] | None = None
    width: int | None = Field(default=None, ge=1, le=10_000, description="profile width, px")
    polarity: Literal["bright", "dark"] = "bright"
    atom_sigma: float | None = Field(default=None, ge=0, description="smoothing, px")
    min_distance: int | None = Field(default=None, ge=1, description="closest two columns, px")
    threshold: float | None = Field(default=None, description="column level, counts/px")
    atom_radius: float | None = Field(default=None, gt=0, description="likelihood disc, px")
    tolerance: float | None = Field(default=None, gt=0, description="match distance, px")
    background: float | None = Field(default=None, gt=0, description="counts per pixel")
    variance_slope: float = Field(default=1.0, gt=0)
    variance_offset: float = Field(default=0.0, ge=0)
    noise: Path | None = Field(default=None, description="fit-noise model for the residual")
    umse: Literal["adjacent", "none"] = "adjacent"
