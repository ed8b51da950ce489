"""Detector stages acting on the counted signal: point-spread and gain/offset/read noise."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from temdenoise.noise.base import NoiseStage, register

if TYPE_CHECKING:
    import torch


def gaussian_taps(sigma: float) -> np.ndarray:
    """Pixel-integrated Gaussian kernel of standard deviation ``sigma`` pixels.

    Tap ``k`` (k = -R .. R, R = ceil(4 sigma)) is the Gaussian's mass over the pixel
    [k - 1/2, k + 1/2]: a proper discrete kernel even for sigma well below one pixel
    (sigma = 0 gives the identity). The taps sum to 1.

    Returns
    -------
    ndarray of float64, shape (2 R + 1,)

    """
    if sigma <= 0:
        return np.ones(1)
    from scipy.special import ndtr

    radius = max(1, math.ceil(4 * sigma))
    edges = (np.arange(-radius, radius + 2) - 0.5) / sigma
    taps = np.diff(ndtr(edges))
    return np.asarray(taps / taps.sum())


def taps_response(taps: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """Frequency response (the MTF) of symmetric ``taps`` at ``frequency`` (cycles/pixel)."""
    radius = (taps.size - 1) // 2
    k = np.arange(-radius, radius + 1)
    return np.asarray(np.cos(2 * np.pi * np.multiply.outer(frequency, k)) @ taps)


@register
@dataclass(frozen=True)
class DetectorPSF(NoiseStage):
    """Point-spread of the detector applied to the counted electrons.

    Each counted electron spreads over neighbouring pixels (scintillator light, charge
    sharing): the image is convolved with a separable pixel-integrated Gaussian, which
    keeps the mean and correlates the noise. The noise power spectrum becomes the white
    shot-noise level times MTF(f_row)^2 MTF(f_column)^2. Edges are mirrored.

    Parameters
    ----------
    sigma_row, sigma_column : float
        Standard deviation of the spread along rows and columns, in pixels (>= 0).

    """

    sigma_row: float
    sigma_column: float

    kind = "psf"

    def __post_init__(self) -> None:
        for name in ("sigma_row", "sigma_column"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and 0 <= value <= 20):
                raise ValueError(f"{name} must be in [0, 20] pixels, got {value}")
            object.__setattr__(self, name, value)

    @property
    def noise_factor(self) -> float:
        """Variance kept per pixel: sum of the squared 2-D kernel (1 without spread)."""
        return float(
            np.sum(gaussian_taps(self.sigma_row) ** 2)
            * np.sum(gaussian_taps(self.sigma_column) ** 2)
        )

    def sample(self, values: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        from scipy.ndimage import correlate1d

        out = np.asarray(values, dtype=np.float32)
        for axis, sigma in ((-2, self.sigma_row), (-1, self.sigma_column)):
            if sigma > 0:
                out = correlate1d(out, gaussian_taps(sigma), axis=axis, mode="mirror")
        return out

    def sample_torch(self, values: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        shape = values.shape
        out = values.to(torch.float32).reshape(-1, 1, shape[-2], shape[-1])
        for dim, sigma in ((2, self.sigma_row), (3, self.sigma_column)):
            if sigma <= 0:
                continue
            taps = torch.as_tensor(gaussian_taps(sigma), dtype=torch.float32, device=out.device)
            radius = (taps.numel() - 1) // 2
            if dim == 2:
                padded = F.pad(out, (0, 0, radius, radius), mode="reflect")
                out = F.conv2d(padded, taps.reshape(1, 1, -1, 1))
            else:
                padded = F.pad(out, (radius, radius, 0, 0), mode="reflect")
                out = F.conv2d(padded, taps.reshape(1, 1, 1, -1))
        return out.reshape(shape)

    def params(self) -> dict[str, Any]:
        return {"sigma_row": self.sigma_row, "sigma_column": self.sigma_column}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DetectorPSF:
        extra = set(params) - {"sigma_row", "sigma_column"}
        if extra:
            raise ValueError(f"unexpected parameters {sorted(extra)}")
        return cls(sigma_row=float(params["sigma_row"]), sigma_column=float(params["sigma_column"]))


@register
@dataclass(frozen=True)
class GainReadNoise(NoiseStage):
    """Integrating camera: value = gain * signal + offset + Normal(0, read_noise).

    Parameters
    ----------
    gain : float
        Detector units (ADU) per counted electron, > 0.
    offset : float
        Detector units at zero signal.
    read_noise : float
        Standard deviation of the additive Gaussian noise, in detector units (>= 0).

    """

    gain: float
    offset: float
    read_noise: float

    kind = "gain_read_noise"

    def __post_init__(self) -> None:
        values = {k: float(getattr(self, k)) for k in ("gain", "offset", "read_noise")}
        if not all(math.isfinite(v) for v in values.values()):
            raise ValueError("gain, offset and read_noise must be finite")
        if values["gain"] <= 0 or values["read_noise"] < 0:
            raise ValueError("gain must be > 0 and read_noise >= 0")
        for k, v in values.items():
            object.__setattr__(self, k, v)

    def sample(self, values: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        x = np.asarray(values, dtype=np.float32)
        noise = rng.standard_normal(x.shape, dtype=np.float32) * np.float32(self.read_noise)
        return (x * np.float32(self.gain) + np.float32(self.offset) + noise).astype(np.float32)

    def sample_torch(self, values: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        import torch

        x = values.to(torch.float32)
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=torch.float32)
        return x * self.gain + self.offset + noise * self.read_noise

    def params(self) -> dict[str, Any]:
        return {"gain": self.gain, "offset": self.offset, "read_noise": self.read_noise}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> GainReadNoise:
        extra = set(params) - {"gain", "offset", "read_noise"}
        if extra:
            raise ValueError(f"unexpected parameters {sorted(extra)}")
        return cls(
            gain=float(params["gain"]),
            offset=float(params["offset"]),
            read_noise=float(params["read_noise"]),
        )
