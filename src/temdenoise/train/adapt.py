"""The ``temdenoise adapt`` orchestrator: fit a denoiser to a movie with no clean data.

A shipped or trained model meets a real microscope that differs from its simulations
(defocus, aberrations, detector MTF, correlated noise). Adaptation fine-tunes it on the
user's own movie with the blind-spot loss of :mod:`temdenoise.train.blindspot`, either
all its weights or only the per-channel gains of its bias-free normalisations (few
parameters: little risk of overfitting one movie). With ``scratch`` a fresh multi-frame
BF-UNet is trained on the movie alone, a fully self-supervised video denoiser.

Up to ``windows`` frame windows, spread evenly over the movie and each cropped at a
seeded random place, are read once; every step cuts patches from them with a generator
seeded by (seed, step). The adapted model is written atomically, with the model it came
from, the movie and the self-supervised loss before and after in its header.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from temdenoise._heap import reuse_freed_memory
from temdenoise.config import AdaptConfig
from temdenoise.errors import ConfigError, InputError, OutputError
from temdenoise.infer.device import describe_device, fast_bf16, resolve_device
from temdenoise.infer.resample import SamplingError, bin_frames, binned_shape, resample_factor
from temdenoise.infer.tiling import frame_windows
from temdenoise.io import FrameSource, open_source
from temdenoise.models import BFUNet
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel, load_model, save_model
from temdenoise.models.layers import BiasFreeBatchNorm2d
from temdenoise.pretrained import resolve_model
from temdenoise.train.blindspot import blind_spot_inputs, blind_spot_loss

logger = logging.getLogger(__name__)

SCRATCH_SCALES, SCRATCH_WIDTH = 4, 32
"""The BF-UNet trained with ``scratch`` (as ``bf-unet``; frames from the config)."""
EVAL_BATCHES = 4
"""Fixed masked batches on which the loss before and after adaptation is measured."""
CALIBRATION_BATCHES = 8
"""Batches over which a network trained from scratch averages its normalisation statistics."""


@dataclass(frozen=True)
class AdaptStatus:
    """Reported to the progress callback after every step."""

    step: int
    steps: int
    loss: float


@dataclass(frozen=True)
class AdaptResult:
    """What an adaptation produced."""

    output: Path
    steps: int
    loss_before: float
    loss_after: float
    parameters: int
    seconds: float
    stopped_early: bool


def run_adapt(
    config: AdaptConfig, progress: Callable[[AdaptStatus], None] | None = None
) -> AdaptResult:
    """Adapt a model (or train one from scratch) on ``config.input``; write ``config.output``.

    Raises
    ------
    InputError, ConfigError, ModelFileError, OutputError
        One line naming the file or setting at fault, before any training step.
    """
    if config.output.resolve() == config.input.resolve():
        raise InputError(f"{config.output}: the output would replace the input movie")
    if config.output.exists() and not config.overwrite:
        raise OutputError(f"{config.output}: exists; pass --overwrite to replace it")
    if not config.output.parent.is_dir():
        raise OutputError(f"{config.output}: the folder {config.output.parent} does not exist")
    if config.scratch and (config.gains_only or config.model is not None):
        raise ConfigError("--scratch trains a new model: it takes neither --model nor --gains-only")
    base = None if config.scratch else load_model(resolve_model(config.model or "bf-unet"))
    network = (
        BFUNet(scales=SCRATCH_SCALES, width=SCRATCH_WIDTH, in_frames=config.frames)
        if base is None
        else base.network
    )
    with open_source(config.input, dataset=config.dataset) as source:
        data_ps = config.pixel_size or source.metadata.pixel_size
        if base is None and data_ps is None:
            raise InputError(f"{config.input}: the pixel size is unknown; give --pixel-size")
        try:
            factor = (
                None
                if base is None
                else resample_factor(
                    data_ps, base.header.pixel_size, base.header.trained_pixel_sizes
                )
            )
        except SamplingError as exc:
            raise InputError(f"{config.input}: {exc}; adapt with --scratch instead") from None
        crop = config.crop if factor is None else math.ceil(config.crop / factor)
        movie = read_windows(
            source, network.in_frames, count=config.windows, crop=crop, seed=config.seed
        )
        shape = source.shape
    if factor is not None:  # crops of the same area of the specimen, binned to the model's grid
        movie = [bin_frames(w, binned_shape(w.shape[1:], factor)) for w in movie]
    if float(np.mean([w[w.shape[0] // 2].mean() for w in movie])) <= 0:
        raise InputError(f"{config.input}: the frames hold no counts")
    side = _patch_side(config, movie, network.downsampling)
    threads = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        device = resolve_device(config.device)
        windows = [torch.from_numpy(w) for w in movie]
        result, info = _adapt(config, network, base is None, windows, side, device, progress)
    finally:
        torch.set_num_threads(threads)
    info.update(
        movie=str(config.input),
        movie_shape=list(shape),
        movie_pixel_size=data_ps,
        resample_factor=factor,
        source=_describe(base),
    )
    _save(config, network, base, info, data_ps, movie)
    return result


def read_windows(
    source: FrameSource, in_frames: int, *, count: int, crop: int, seed: int
) -> list[np.ndarray]:
    """Read up to ``count`` windows of ``in_frames`` frames, spread evenly over the movie.

    Windows reflect at the ends of the movie like the denoiser's. Each is cropped to at
    most ``crop`` x ``crop`` px at a random place drawn from ``seed``.

    Returns
    -------
    list of float32 ndarrays of shape (in_frames, rows, columns)
    """
    n, rows, columns = source.shape
    centres = np.unique(np.linspace(0, n - 1, min(count, n)).round().astype(int))
    all_windows = frame_windows(n, in_frames)
    rng = np.random.default_rng(seed)
    out = []
    for centre in centres:
        r0 = int(rng.integers(0, max(1, rows - crop + 1)))
        c0 = int(rng.integers(0, max(1, columns - crop + 1)))
        window = np.stack(  # crop each frame as it is read: frames may be 8k x 8k
            [
                np.asarray(source.read(int(j), int(j) + 1)[0, r0 : r0 + crop, c0 : c0 + crop])
                for j in all_windows[centre]
            ]
        ).astype(np.float32)
        if not np.isfinite(window).all():
            raise InputError(f"frames near {centre} contain NaN or infinite values")
        out.append(window)
    return out


def _patch_side(config: AdaptConfig, movie: list[np.ndarray], multiple: int) -> int:
    smallest = min(min(w.shape[1:]) for w in movie)
    side = min(config.patch_size, smallest) // multiple * multiple
    if side < 16:
        raise InputError(
            f"{config.input}: frames of {smallest} px are too small to adapt on "
            f"(patches need at least 16 px and a multiple of {multiple})"
        )
    return int(side)


def _adapt(
    config: AdaptConfig,
    network: Denoiser,
    scratch: bool,
    windows: list[torch.Tensor],
    side: int,
    device: torch.device,
    progress: Callable[[AdaptStatus], None] | None,
) -> tuple[AdaptResult, dict[str, Any]]:
    torch.manual_seed(config.seed)
    network.to(device)
    trained = _trainable(network, gains_only=config.gains_only)
    lr = config.lr or (1e-4 if not (scratch or config.gains_only) else 1e-3)
    optimizer = torch.optim.Adam(trained, lr=lr)
    evaluation = [_batch(config, windows, side, -1 - i) for i in range(EVAL_BATCHES)]
    calibration = [_batch(config, windows, side, -100 - i) for i in range(CALIBRATION_BATCHES)]
    if scratch:
        _recalibrate(network, calibration, device)
    before = _evaluate(network, evaluation, device)
    started = time.monotonic()
    step = 0
    stopped = False
    network.train(scratch)  # a trained model keeps its normalisation statistics
    autocast = (
        torch.autocast(device.type, dtype=torch.bfloat16)
        if fast_bf16(device)
        else contextlib.nullcontext()
    )
    with reuse_freed_memory():  # activations and gradients, reused step after step
        while step < config.steps:
            if config.time_limit and time.monotonic() - started > 60 * config.time_limit:
                stopped = True
                break
            inputs, noisy, scored = _batch(config, windows, side, step)
            with autocast:  # bf16 where the device computes it natively; loss and weights fp32
                estimate = network(inputs.to(device))
            loss = blind_spot_loss(estimate.float(), noisy.to(device), scored.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            step += 1
            value = float(loss.detach())
            if not math.isfinite(value):
                raise ConfigError(f"adaptation diverged at step {step} (loss {value}); lower --lr")
            if progress is not None:
                progress(AdaptStatus(step, config.steps, value))
    if scratch:
        _recalibrate(network, calibration, device)
    network.eval()
    after = _evaluate(network, evaluation, device)
    seconds = time.monotonic() - started
    parameters = sum(p.numel() for p in trained)
    result = AdaptResult(config.output, step, before, after, parameters, seconds, stopped)
    info: dict[str, Any] = {
        "mode": "scratch" if scratch else ("gains" if config.gains_only else "all weights"),
        "loss": "blind-spot MSE at hidden pixels against the noisy frame, over the mean count",
        "spacing": config.spacing,
        "hide_vertical": config.hide_vertical,
        "trained_parameters": parameters,
        "steps": step,
        "stopped_early": stopped,
        "precision": "bf16 autocast" if fast_bf16(device) else "fp32",
        "batch_size": config.batch_size,
        "patch_size": side,
        "lr": lr,
        "windows": len(windows),
        "seed": config.seed,
        "loss_before": before,
        "loss_after": after,
        "device": describe_device(device),
        "torch": torch.__version__,
        "wall_seconds": round(seconds, 1),
    }
    return result, info


def _trainable(network: Denoiser, *, gains_only: bool) -> list[torch.nn.Parameter]:
    gains = [m.weight for m in network.modules() if isinstance(m, BiasFreeBatchNorm2d)]
    if gains_only and not gains:
        raise ConfigError(f"{type(network).__name__} has no per-channel gains to adapt")
    chosen = gains if gains_only else list(network.parameters())
    keep = {id(p) for p in chosen}
    for p in network.parameters():
        p.requires_grad_(id(p) in keep)
    return chosen


def _batch(
    config: AdaptConfig, windows: list[torch.Tensor], side: int, step: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Masked inputs, the noisy windows and the scored pixels for one step."""
    seed = np.random.SeedSequence([config.seed, step % (1 << 32)]).generate_state(1)[0]
    generator = torch.Generator().manual_seed(int(seed))
    patches = []
    for _ in range(config.batch_size):
        u = torch.rand(5, generator=generator).tolist()
        window = windows[min(int(u[0] * len(windows)), len(windows) - 1)]
        r0 = int(u[1] * (window.shape[1] - side + 1))
        c0 = int(u[2] * (window.shape[2] - side + 1))
        patch = window[:, r0 : r0 + side, c0 : c0 + side]
        flips = [d for d, v in ((-2, u[3]), (-1, u[4])) if v < 0.5]  # never a turn
        patches.append(torch.flip(patch, dims=flips) if flips else patch)
    noisy = torch.stack(patches)
    inputs, scored = blind_spot_inputs(
        noisy, spacing=config.spacing, hide_vertical=config.hide_vertical, generator=generator
    )
    return inputs, noisy, scored


def _recalibrate(
    network: Denoiser,
    batches: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
    device: torch.device,
) -> None:
    """Set the normalisations' running statistics to their average over ``batches``.

    A network trained for few steps has running statistics that lag its weights; eval
    mode would then scale its features wrongly.
    """
    norms = [m for m in network.modules() if isinstance(m, BiasFreeBatchNorm2d)]
    momenta = [m.momentum for m in norms]
    network.train()
    try:
        with torch.no_grad():
            for i, (inputs, _, _) in enumerate(batches):
                for m in norms:
                    m.momentum = 1.0 / (i + 1)  # a cumulative average
                network(inputs.to(device))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum


def _evaluate(
    network: Denoiser,
    batches: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
    device: torch.device,
) -> float:
    training = network.training
    network.eval()
    try:
        with torch.no_grad():
            losses = [
                float(blind_spot_loss(network(x.to(device)), y.to(device), m.to(device)))
                for x, y, m in batches
            ]
    finally:
        network.train(training)
    return float(np.mean(losses))


def _describe(base: LoadedModel | None) -> dict[str, Any] | str:
    if base is None:
        return "scratch"
    return {
        "path": str(base.path),
        "name": base.header.name,
        "weights_sha256": base.header.weights_sha256,
    }


def _save(
    config: AdaptConfig,
    network: Denoiser,
    base: LoadedModel | None,
    info: dict[str, Any],
    data_ps: float | None,
    movie: list[np.ndarray],
) -> None:
    network.cpu().eval()
    for p in network.parameters():
        p.requires_grad_(True)
    if base is not None:
        h = base.header
        name = config.name or f"{h.name or 'model'}-adapted"
        save_model(
            config.output,
            network,
            pixel_size=h.pixel_size,
            dose_range=h.dose_range,
            noise_model=h.noise_model,
            training={**h.training, "adaptation": info},
            name=name,
            description=f"{h.name or config.model} adapted to {config.input.name} ({info['mode']})",
        )
        return
    assert data_ps is not None
    dose = float(np.mean([w[w.shape[0] // 2].mean() for w in movie]))
    save_model(
        config.output,
        network,
        pixel_size=data_ps,
        dose_range=(dose, dose),
        training={"augment": {"pixel_size_range": [data_ps, data_ps]}, "adaptation": info},
        name=config.name or f"{config.input.stem}-self-supervised",
        description=f"BF-UNet trained on {config.input.name} alone (self-supervised)",
    )
