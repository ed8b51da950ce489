"""A fixed validation set (held-out clean images, noise drawn once) and its metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from temdenoise.evaluate.metrics import psnr_count, psnr_range, ssim
from temdenoise.models.base import Denoiser
from temdenoise.noise import NoiseModel
from temdenoise.train.patches import drift_offsets, resample_patch


@dataclass(frozen=True)
class ValidationImage:
    """One held-out image: expected counts and a fixed noisy draw at ``dose``.

    ``noisy`` holds the network's input frames, shape (frames, rows, columns);
    ``clean`` the expected counts of the middle one.
    """

    clean: np.ndarray
    noisy: torch.Tensor
    dose: float


def validation_set(
    sets: Sequence[torch.Tensor],
    *,
    noise: NoiseModel,
    doses: Sequence[float],
    count: int,
    size: int,
    seed: int,
    frames: int = 1,
    drift: float = 0.0,
) -> list[ValidationImage]:
    """Central ``size`` px crops of up to ``count`` images (taken in turn from each set).

    Crops without contrast (vacuum) are skipped. Each crop is corrupted once per dose
    with a generator seeded from ``seed``, so every validation of a run (and of its
    resumption) sees the same noisy images. With ``frames`` > 1 a crop is a window of
    drifting frames (see :func:`~temdenoise.train.patches.sample_patches`), its drift
    also fixed by ``seed``.
    """
    moves = torch.Generator().manual_seed(seed + 1)
    chosen: list[torch.Tensor] = []
    for i in range(max(int(s.shape[0]) for s in sets)):
        for images in sets:
            if i >= images.shape[0] or len(chosen) >= count:
                continue
            window = _window(images[i], size, drift_offsets(1, frames, drift, moves)[0])
            if float(window.max() - window.min()) > 0:
                chosen.append(window)  # a vacuum crop (constant) has no range to score
    generator = torch.Generator().manual_seed(seed)
    out = []
    for window in chosen:
        for dose in doses:
            expected = window * dose
            noisy = noise.sample_torch(expected, generator=generator)
            target = expected[frames // 2].numpy().astype(np.float32)
            out.append(ValidationImage(target, noisy, float(dose)))
    return out


def validate(
    network: Denoiser, images: Sequence[ValidationImage], device: torch.device
) -> dict[str, float]:
    """Mean psnr_count, psnr_range and SSIM over ``images``, overall and per dose.

    The network sees the noisy image divided by its dose (vacuum 1) and its output is
    scaled back to counts. Leaves every module of the network in the mode it found it in.
    """
    modes = [(module, module.training) for module in network.modules()]
    network.eval()
    rows: dict[float, list[tuple[float, float, float]]] = {}
    try:
        with torch.no_grad():
            for item in images:
                x = (item.noisy / item.dose)[None].to(device)
                estimate = (network(x)[0, 0].float().cpu() * item.dose).numpy()
                span = float(item.clean.max() - item.clean.min())
                rows.setdefault(item.dose, []).append(
                    (
                        psnr_count(item.clean, estimate),
                        psnr_range(item.clean, estimate),
                        ssim(item.clean, estimate, data_range=span),
                    )
                )
    finally:
        for module, training in modes:
            module.training = training
    result: dict[str, float] = {}
    means = {dose: np.mean(np.asarray(values), axis=0) for dose, values in rows.items()}
    for name, column in (("psnr_count", 0), ("psnr_range", 1), ("ssim", 2)):
        result[name] = float(np.mean([m[column] for m in means.values()]))
    for dose, m in means.items():
        result[f"psnr_count@{dose:g}"] = float(m[0])
    return result


def _window(image: torch.Tensor, size: int, offsets: list[tuple[float, float]]) -> torch.Tensor:
    """Return the central crop (one frame), or crops displaced by ``offsets`` (several)."""
    if len(offsets) == 1:
        return _centre(image, size)[None]
    side = min(size, *image.shape)
    return torch.stack(
        [
            resample_patch(image, size=side, zoom=1.0, angle=0.0, where=(0.5, 0.5), shift=o)
            for o in offsets
        ]
    )


def _centre(image: torch.Tensor, size: int) -> torch.Tensor:
    rows, cols = image.shape
    r, c = min(size, rows), min(size, cols)
    r0, c0 = (rows - r) // 2, (cols - c) // 2
    return image[r0 : r0 + r, c0 : c0 + c].contiguous()
