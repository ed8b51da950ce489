"""One training step: patches, doses and fresh noise drawn from (seed, step), L2 loss, Adam."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np
import torch

from temdenoise.config import TrainConfig
from temdenoise.infer.device import fast_bf16
from temdenoise.models.base import Denoiser
from temdenoise.noise import NoiseModel
from temdenoise.train.patches import Source, sample_patches


def _generators(
    seed: int, step: int, device: torch.device
) -> tuple[torch.Generator, torch.Generator]:
    a, b = (int(v) for v in np.random.SeedSequence([seed, step]).generate_state(2, np.uint64))
    cpu = torch.Generator().manual_seed(a)
    return cpu, torch.Generator(device=device).manual_seed(b)


def train_step(
    network: Denoiser,
    optimizer: torch.optim.Optimizer,
    sets: list[Source],
    noise: NoiseModel,
    doses: tuple[float, float],
    config: TrainConfig,
    step: int,
    device: torch.device,
    bf16: bool,
) -> float:
    """Take one optimiser step on a fresh batch drawn from (seed, step); return its loss."""
    cpu, on_device = _generators(config.seed, step, device)
    frames = network.in_frames
    clean, dose, noisy = draw_batch(sets, noise, doses, config, frames, cpu, on_device)
    with _autocast(device, bf16):
        estimate = network(noisy.contiguous(memory_format=torch.channels_last))
    target = clean[:, frames // 2 : frames // 2 + 1]
    error = (estimate.float() - target).pow(2).mean(dim=(1, 2, 3))
    loss = (error * dose).mean()  # MSE in counts over the Poisson variance: doses weigh alike
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def draw_batch(
    sets: list[Source],
    noise: NoiseModel,
    doses: tuple[float, float],
    config: TrainConfig,
    frames: int,
    cpu: torch.Generator,
    on_device: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw a batch: clean patches, a dose per patch (log-uniform) and the noisy input.

    The noisy patches come divided by their doses (vacuum 1), as the network sees them;
    patches and doses come from ``cpu``, the noise from ``on_device`` (its device is theirs).
    """
    device = on_device.device
    clean = sample_patches(
        sets,
        count=config.batch_size,
        size=config.patch_size,
        rotation_max=config.rotation_max,
        generator=cpu,
        frames=frames,
        drift=config.drift,
    ).to(device)
    low, high = doses
    u = torch.rand(config.batch_size, generator=cpu, dtype=torch.float64)
    dose = torch.exp(math.log(low) + u * (math.log(high) - math.log(low))).float().to(device)
    scale = dose.view(-1, 1, 1, 1)
    noisy = noise.sample_torch(clean * scale, generator=on_device)
    return clean, dose, noisy / scale


def uses_bf16(config: TrainConfig, device: torch.device) -> bool:
    """Whether the run computes under bfloat16 autocast."""
    return config.precision == "bf16" or (config.precision == "auto" and fast_bf16(device))


def _autocast(device: torch.device, bf16: bool) -> contextlib.AbstractContextManager[Any]:
    """Autocast to bfloat16 (weights, loss and optimizer stay float32) or nothing."""
    if bf16:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
