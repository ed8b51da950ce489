"""Configuration of ``temdenoise denoise``: one movie file to one output file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from temdenoise.config.base import StageConfig


class DenoiseConfig(StageConfig):
    """``temdenoise denoise``: one movie file to one output file."""

    input: Path
    output: Path
    model: str = "bf-unet"
    dataset: str | None = None
    pixel_size: float | None = Field(default=None, gt=0, description="angstrom per pixel")
    resample: bool = Field(default=True, description="bin to the model's grid when finer")
    counts_per_electron: float | None = Field(
        default=None, gt=0, description="camera gain; default the file's, else 1"
    )
    check_counts: bool = Field(default=True, description="refuse frames that are not counts")
    frames: tuple[int, int | None] = (0, None)
    device: str | None = None
    batch_size: int = Field(default=4, ge=1)
    tile: int | None = Field(default=None, ge=1)
    precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto",
        description="auto: bf16 where the device computes it natively and the model's "
        "measured bf16 cost is under 0.05 dB, else fp32",
    )
    block_frames: int = Field(default=8, ge=1)
    threads: int | None = Field(
        default=None, ge=1, description="CPU threads, shared among the workers of a local cluster"
    )
    overwrite: bool = False
    cluster: str | None = Field(default=None, pattern=r"^local(:\d+)?$")
    scheduler: str | None = None
