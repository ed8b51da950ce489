"""Bias-free denoising networks and their self-describing model files."""

from __future__ import annotations

from typing import Any

from temdenoise.models.base import Denoiser
from temdenoise.models.dncnn import BFDnCNN
from temdenoise.models.layers import BiasFreeBatchNorm2d
from temdenoise.models.unet import BFUNet

ARCHITECTURES: dict[str, type[Denoiser]] = {cls.arch: cls for cls in (BFDnCNN, BFUNet)}

__all__ = ["ARCHITECTURES", "BFDnCNN", "BFUNet", "BiasFreeBatchNorm2d", "Denoiser", "build_model"]


def build_model(arch: str, **params: Any) -> Denoiser:
    """Build an untrained network by architecture name (``"dncnn"`` or ``"unet"``).

    Raises
    ------
    ValueError
        For an unknown architecture or invalid parameters.

    """
    try:
        cls = ARCHITECTURES[arch]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(f"unknown architecture {arch!r} (known: {known})") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"invalid parameters for {arch!r}: {exc}") from None
