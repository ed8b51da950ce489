"""Configuration of ``temdenoise train``: data, noise, network, optimiser and validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from temdenoise.config.base import StageConfig


class TrainConfig(StageConfig):
    """``temdenoise train``: a denoiser from clean simulated datasets and a noise model.

    Patches of ``patch_size`` px are cut from the ``train`` split of every dataset at a
    pixel size drawn log-uniformly from ``pixel_size_range`` (default: each dataset's own
    pixel size x 0.8-1.25), turned by up to ``rotation_max`` degrees, then flipped and
    turned by multiples of 90 degrees. Noise is drawn fresh every step: from the noise model
    file ``noise`` at its measured dose, or Poisson over ``dose_range`` (counts per pixel
    per frame, log-uniform; default 0.5-60: blind training). Adam at ``lr``; the rate is
    multiplied by ``lr_factor`` when the validation PSNR has not improved for
    ``lr_patience`` validations; ``warmup`` steps first ramp it up linearly from ``lr /
    warmup``, the schedule waiting for them (a fresh Adam's first full steps knock a trained
    ``init`` back by about a thousand steps' progress). ``average_decay`` (e.g. 0.999; 0:
    off) keeps an exponential moving average of the weights, which validation scores and the
    model file holds. ``freeze_norms`` trains with the batch norms dividing by their running
    standard deviations, as at inference, which then stay as the init left them (only their
    gains learn): the network trained is the network shipped, and no batch's statistics
    decide the score (for continuing a trained model). Validation every ``val_every`` steps
    on the central ``val_size`` px of up to ``val_images`` held-out (``test`` split) images
    at ``val_doses``. A network taking several frames (``arch_params["in_frames"]``) learns
    from windows of patches drifting by up to ``drift`` px per frame. ``init`` starts from
    the weights of another model of the same architecture; a one-frame model seeds a
    multi-frame one by spreading its first layer over the frames (at the start, the network
    denoises the mean of the window). A checkpoint every ``checkpoint_every`` steps allows
    ``resume``; ``time_limit`` (minutes) stops early, and the model file holds the weights
    of the best validation.
    """

    data: tuple[Path, ...] = Field(min_length=1)
    output: Path
    noise: Path | None = None
    dose_range: tuple[float, float] | None = None
    arch: Literal["dncnn", "unet"] = "unet"
    arch_params: dict[str, Any] = Field(default={})
    steps: int = Field(default=20_000, ge=1)
    batch_size: int = Field(default=16, ge=1)
    patch_size: int = Field(default=128, ge=8)
    lr: float = Field(default=1e-3, gt=0)
    lr_factor: float = Field(default=0.5, gt=0, lt=1)
    lr_patience: int = Field(default=4, ge=0, description="validations without improvement")
    min_lr: float = Field(default=1e-5, ge=0)
    warmup: int = Field(default=0, ge=0, description="steps of linear learning-rate warm-up")
    average_decay: float = Field(default=0.0, ge=0, lt=1, description="0: no averaging")
    freeze_norms: bool = Field(default=False, description="norms use their running statistics")
    val_every: int = Field(default=250, ge=1)
    val_images: int = Field(default=8, ge=1)
    val_size: int = Field(default=192, ge=8)
    val_doses: tuple[float, ...] | None = None
    checkpoint_every: int = Field(default=250, ge=1)
    pixel_size: float | None = Field(default=None, gt=0, description="nominal, angstrom/px")
    pixel_size_range: tuple[float, float] | None = None
    rotation_max: float = Field(default=10.0, ge=0, le=45, description="degrees")
    drift: float = Field(default=1.0, ge=0, description="multi-frame: px per frame, at most")
    init: str | None = Field(default=None, description="shipped model name or model file")
    init_frames: Literal["mean", "middle"] = Field(
        default="mean", description="a one-frame init seeds frames: their mean or the middle one"
    )
    seed: int = Field(default=0, ge=0)
    device: str | None = None
    threads: int | None = Field(default=None, ge=1, description="CPU threads")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", description="auto: bf16 autocast where the device computes it natively"
    )
    name: str = ""
    description: str = ""
    weights_dtype: Literal["float32", "float16", "bfloat16"] = "float32"
    time_limit: float | None = Field(default=None, gt=0, description="minutes")
    resume: bool = False
    overwrite: bool = False

    @field_validator("dose_range", "pixel_size_range")
    @classmethod
    def _check_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0 < value[0] <= value[1]:
            raise ValueError(f"a range needs 0 < low <= high, got {list(value)}")
        return value

    @field_validator("val_doses")
    @classmethod
    def _check_doses(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and (not value or min(value) <= 0):
            raise ValueError("val_doses must be positive counts per pixel")
        return value

    def run_fields(self) -> dict[str, Any]:
        """Return the fields a resumed run must share with the interrupted one."""
        volatile = {"steps", "time_limit", "resume", "overwrite", "device", "threads", "precision"}
        if not self.average_decay:  # as runs before averaging existed record it
            volatile.add("average_decay")
        if not self.freeze_norms:  # as runs before frozen norms existed record it
            volatile.add("freeze_norms")
        if not self.warmup:  # as runs before the warm-up existed record it
            volatile.add("warmup")
        if self.init_frames == "mean":  # as runs before the choice existed record it
            volatile.add("init_frames")
        return self.model_dump(mode="json", exclude=volatile)
