"""Frozen configuration models, one per stage, each with a schema version.

Pure functions take keyword arguments; only orchestrators take one of these. A config
is written into every artifact a stage makes, so the artifact says how it was made.
"""

from temdenoise.config.adapt import AdaptConfig
from temdenoise.config.base import StageConfig
from temdenoise.config.demo import DemoConfig
from temdenoise.config.denoise import DenoiseConfig
from temdenoise.config.evaluate import EvaluateConfig
from temdenoise.config.fit_noise import FitNoiseConfig, Region
from temdenoise.config.simulate import SimulateConfig
from temdenoise.config.train import TrainConfig

__all__ = [
    "AdaptConfig",
    "DemoConfig",
    "DenoiseConfig",
    "EvaluateConfig",
    "FitNoiseConfig",
    "Region",
    "SimulateConfig",
    "StageConfig",
    "TrainConfig",
]
