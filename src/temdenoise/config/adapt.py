"""Configuration of ``temdenoise adapt``: blind-spot fine-tuning of a denoiser on a movie."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from temdenoise.config.base import StageConfig


class AdaptConfig(StageConfig):
    """``temdenoise adapt``: fit a denoiser to a movie without clean data.

    Starts from ``model`` (a shipped name or a model file; default ``bf-unet``), or with
    ``scratch`` from a fresh BF-UNet taking ``frames`` frames, and trains it for ``steps``
    steps with the blind-spot loss of :mod:`temdenoise.train.blindspot` on ``batch_size``
    patches of ``patch_size`` px cut from up to ``windows`` frame windows of the movie (each cropped
    to at most ``crop`` px square, flipped but never turned, so that the vertical stays
    vertical). ``hide_vertical`` hides each scored pixel's vertical neighbours too, for
    detectors that correlate them. ``gains_only`` trains only the per-channel gains of
    the bias-free normalisations (few parameters: safe with little data); otherwise all
    weights are trained. ``pixel_size`` overrides the movie's.
    """

    input: Path
    output: Path
    model: str | None = None
    scratch: bool = False
    frames: int = Field(default=5, ge=1, le=15, description="scratch: frames in")
    dataset: str | None = None
    pixel_size: float | None = Field(default=None, gt=0, description="angstrom per pixel")
    steps: int = Field(default=300, ge=1)
    batch_size: int = Field(default=8, ge=1)
    patch_size: int = Field(default=128, ge=16)
    lr: float | None = Field(default=None, gt=0, description="default 1e-3 gains, 1e-4 all")
    gains_only: bool = False
    spacing: int = Field(default=4, ge=3, le=16)
    hide_vertical: bool = True
    windows: int = Field(default=16, ge=1)
    crop: int = Field(default=1024, ge=64)
    seed: int = Field(default=0, ge=0)
    device: str | None = None
    threads: int | None = Field(default=None, ge=1, description="CPU threads")
    time_limit: float | None = Field(default=None, gt=0, description="minutes")
    name: str = ""
    overwrite: bool = False

    @field_validator("frames")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"frames must be odd, got {value}")
        return value
