"""What a training run draws from: its noise model, its doses and each dataset's zoom range."""

from __future__ import annotations

import math

from temdenoise.config import TrainConfig
from temdenoise.errors import InputError
from temdenoise.noise import NoiseModel, Poisson, load_noise_model
from temdenoise.noise.dose import SEED_DOSE_PER_AREA, counts_per_pixel
from temdenoise.train.data import CleanSet

BLIND_DOSES = (0.5, 60.0)
"""Counts per pixel per frame drawn in blind training when no dose range is given: on the
0.25 A/px grid 8-960 e/A^2, around the seed's 180 e/A^2 (11 counts/px) with a margin."""


def noise_and_doses(config: TrainConfig) -> tuple[NoiseModel, tuple[float, float]]:
    """Return the noise model a run draws noise from and its dose range (counts/px/frame)."""
    if config.noise is None:
        return NoiseModel((Poisson(),)), config.dose_range or BLIND_DOSES
    model = load_noise_model(config.noise)
    if config.dose_range is not None:
        return model, config.dose_range
    if model.dose is None:
        raise InputError(f"{config.noise}: the noise model has no measured dose; give --dose-range")
    return model, (model.dose, model.dose)


def default_val_doses(doses: tuple[float, float], pixel_size: float) -> tuple[float, ...]:
    """Validate at the seed's dose per area at this pixel size if trained for, else mid-range."""
    low, high = doses
    seed = counts_per_pixel(SEED_DOSE_PER_AREA, pixel_size)
    return (round(seed, 3),) if low <= seed <= high else (math.sqrt(low * high),)


def zoom_range(data: CleanSet, config: TrainConfig) -> tuple[float, float]:
    """Return the range of zooms a dataset's patches are resampled by."""
    if config.pixel_size_range is None:
        return (0.8, 1.25)
    low, high = config.pixel_size_range
    return (low / data.pixel_size, high / data.pixel_size)
