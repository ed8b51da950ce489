"""Inference: exact tiled denoising of frames in memory or streamed from a lazy movie."""

from temdenoise.infer.api import denoise
from temdenoise.infer.device import describe_device, resolve_device
from temdenoise.infer.tiling import TilePlan, auto_tile_and_batch, frame_windows, plan_tiles

__all__ = [
    "TilePlan",
    "auto_tile_and_batch",
    "denoise",
    "describe_device",
    "frame_windows",
    "plan_tiles",
    "resolve_device",
]
