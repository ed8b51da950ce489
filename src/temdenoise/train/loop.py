"""The ``temdenoise train`` orchestrator: patches, fresh noise, L2 loss, Adam, validation.

Every step draws its patches, doses and noise from generators seeded by (seed, step),
so a run is deterministic for its seed and a resumed run continues exactly as if it
had not been interrupted. The working folder ``OUTPUT.train/`` holds the checkpoint,
``log.csv`` (one row every 10 steps and at every validation), ``config.json`` and, at
the end, ``summary.json``; the model file is written (atomically) at the end with the
weights of the best validation.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import json
import logging
import math
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from temdenoise.config import TrainConfig
from temdenoise.errors import ConfigError, InputError, OutputError
from temdenoise.infer.device import describe_device, fast_bf16, resolve_device
from temdenoise.models import build_model
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel, load_model, save_model
from temdenoise.noise import NoiseModel, Poisson, load_noise_model
from temdenoise.noise.dose import SEED_DOSE_PER_AREA, counts_per_pixel
from temdenoise.pretrained import resolve_model
from temdenoise.train.data import CleanSet, read_clean
from temdenoise.train.patches import sample_patches
from temdenoise.train.state import RunState, load_checkpoint, save_checkpoint
from temdenoise.train.validate import ValidationImage, validate, validation_set
from temdenoise.train.warm import warm_start

logger = logging.getLogger(__name__)

BLIND_DOSES = (0.5, 60.0)
"""Counts per pixel per frame drawn in blind training when no dose range is given: on the
0.25 A/px grid 8-960 e/A^2, around the seed's 180 e/A^2 (11 counts/px) with a margin."""
LOG_EVERY = 10
COLUMNS = ("step", "loss", "lr", "seconds", "psnr_count", "psnr_range", "ssim")


@dataclass(frozen=True)
class TrainStatus:
    """Reported to the progress callback after every step."""

    step: int
    steps: int
    loss: float
    lr: float
    validation: dict[str, float] | None


@dataclass(frozen=True)
class TrainResult:
    """What a run produced."""

    output: Path
    log: Path
    steps: int
    best_step: int
    best_validation: dict[str, float]
    seconds: float
    stopped_early: bool


def work_dir(output: Path) -> Path:
    """Return the folder beside the model file that holds the checkpoint and the log."""
    return output.with_name(output.name + ".train")


def run_train(
    config: TrainConfig, progress: Callable[[TrainStatus], None] | None = None
) -> TrainResult:
    """Train a denoiser as ``config`` says and write its model file.

    Raises
    ------
    InputError, ConfigError, OutputError
        One line naming the file or setting at fault, before any training step.
    """
    train_sets = [s for s in (read_clean(p, "train") for p in config.data) if s is not None]
    val_sets = [s for s in (read_clean(p, "test") for p in config.data) if s is not None]
    if not train_sets:
        raise InputError(f"{config.data[0]}: no training images in the 'train' split")
    if not val_sets:
        raise InputError(
            f"{config.data[0]}: no held-out images for validation; simulate with --n-test"
        )
    noise, doses = _noise(config)
    init = load_model(resolve_model(config.init)) if config.init else None
    work = _prepare(config)
    threads = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        return _train(config, work, train_sets, val_sets, noise, doses, init, progress)
    finally:
        torch.set_num_threads(threads)


def _train(
    config: TrainConfig,
    work: Path,
    train_sets: list[CleanSet],
    val_sets: list[CleanSet],
    noise: NoiseModel,
    doses: tuple[float, float],
    init: LoadedModel | None,
    progress: Callable[[TrainStatus], None] | None,
) -> TrainResult:
    device = resolve_device(config.device)
    pixel_size = config.pixel_size or train_sets[0].pixel_size
    torch.manual_seed(config.seed)
    try:
        network = build_model(config.arch, **config.arch_params)
    except ValueError as exc:
        raise ConfigError(f"arch_params: {exc}") from None
    if init is not None:
        try:
            warm_start(network, init.network)
        except ValueError as exc:
            raise ConfigError(f"{init.path}: {exc}") from None
    bf16 = _uses_bf16(config, device)
    network.to(device).train()
    if bf16:
        network.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer,
        mode="max",
        factor=config.lr_factor,
        patience=config.lr_patience,
        min_lr=config.min_lr,
    )
    run = config.run_fields()
    checkpoint = work / "checkpoint.pt"
    state = RunState()
    if config.resume:
        state = load_checkpoint(
            checkpoint, run=run, network=network, optimizer=optimizer, scheduler=scheduler
        )
        logger.info("resuming %s at step %d", config.output, state.step)
    (work / "config.json").write_text(config.model_dump_json(indent=2))
    val_doses = config.val_doses or _default_val_doses(doses, pixel_size)
    validation = validation_set(
        [s.images for s in val_sets],
        noise=noise,
        doses=val_doses,
        count=config.val_images,
        size=config.val_size,
        seed=config.seed,
        frames=network.in_frames,
        drift=config.drift,
    )
    if not validation:
        raise InputError(f"{config.data[0]}: the held-out images have no contrast to score")
    sets = [(s.images, _zoom_range(s, config)) for s in train_sets]
    log = work / "log.csv"
    _write_log(log, state.rows)
    started = time.monotonic() - state.elapsed
    session = time.monotonic()
    stopped = False
    recent: list[float] = []
    with _log_writer(log) as write_row:
        while state.step < config.steps:
            if config.time_limit and time.monotonic() - session > 60 * config.time_limit:
                stopped = True
                break
            loss = _train_step(
                network, optimizer, sets, noise, doses, config, state.step, device, bf16
            )
            if not math.isfinite(loss):
                raise ConfigError(
                    f"training diverged at step {state.step + 1} (loss {loss}); lower --lr"
                )
            state.step += 1
            recent.append(loss)
            metrics = None
            if state.step % config.val_every == 0 or state.step == config.steps:
                metrics = _validate(network, validation, device, scheduler, state)
            if metrics is not None or state.step % LOG_EVERY == 0:
                row = _row(state, recent, optimizer, time.monotonic() - started, metrics)
                state.rows.append(row)
                write_row(row)
                recent = []
            state.elapsed = time.monotonic() - started
            if state.step % config.checkpoint_every == 0:
                save_checkpoint(
                    checkpoint,
                    run=run,
                    network=network,
                    optimizer=optimizer,
                    scheduler=scheduler,
                    state=state,
                )
            if progress is not None:
                lr = float(optimizer.param_groups[0]["lr"])
                progress(TrainStatus(state.step, config.steps, loss, lr, metrics))
    if state.best_weights is None or (
        stopped and state.rows and "psnr_count" not in state.rows[-1]
    ):
        metrics = _validate(network, validation, device, scheduler, state)
        row = _row(state, recent, optimizer, time.monotonic() - started, metrics)
        state.rows.append(row)
        _write_log(log, state.rows)
    state.elapsed = time.monotonic() - started
    save_checkpoint(
        checkpoint, run=run, network=network, optimizer=optimizer, scheduler=scheduler, state=state
    )
    _save(config, network, state, train_sets, val_sets, (noise, doses), init, pixel_size, stopped)
    result = TrainResult(
        config.output,
        log,
        state.step,
        state.best_step,
        dict(state.best_validation),
        state.elapsed,
        stopped,
    )
    summary = {k: str(v) if isinstance(v, Path) else v for k, v in vars(result).items()}
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    return result


def _prepare(config: TrainConfig) -> Path:
    output = config.output
    if not output.parent.is_dir():
        raise OutputError(f"{output}: the folder {output.parent} does not exist")
    work = work_dir(output)
    checkpoint = work / "checkpoint.pt"
    if config.resume:
        if not checkpoint.exists():
            raise ConfigError(f"{checkpoint}: nothing to resume (no checkpoint)")
        return work
    if checkpoint.exists() and not config.overwrite:
        raise OutputError(
            f"{work}: holds an interrupted run; pass --resume to continue it or --overwrite"
        )
    if output.exists() and not config.overwrite:
        raise OutputError(f"{output}: exists; pass --overwrite to replace it")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    return work


def _noise(config: TrainConfig) -> tuple[NoiseModel, tuple[float, float]]:
    if config.noise is None:
        return NoiseModel((Poisson(),)), config.dose_range or BLIND_DOSES
    model = load_noise_model(config.noise)
    if config.dose_range is not None:
        return model, config.dose_range
    if model.dose is None:
        raise InputError(f"{config.noise}: the noise model has no measured dose; give --dose-range")
    return model, (model.dose, model.dose)


def _default_val_doses(doses: tuple[float, float], pixel_size: float) -> tuple[float, ...]:
    """Validate at the seed's dose per area at this pixel size if trained for, else mid-range."""
    low, high = doses
    seed = counts_per_pixel(SEED_DOSE_PER_AREA, pixel_size)
    return (round(seed, 3),) if low <= seed <= high else (math.sqrt(low * high),)


def _zoom_range(data: CleanSet, config: TrainConfig) -> tuple[float, float]:
    if config.pixel_size_range is None:
        return (0.8, 1.25)
    low, high = config.pixel_size_range
    return (low / data.pixel_size, high / data.pixel_size)


def _generators(
    seed: int, step: int, device: torch.device
) -> tuple[torch.Generator, torch.Generator]:
    a, b = (int(v) for v in np.random.SeedSequence([seed, step]).generate_state(2, np.uint64))
    cpu = torch.Generator().manual_seed(a)
    return cpu, torch.Generator(device=device).manual_seed(b)


def _train_step(
    network: Denoiser,
    optimizer: torch.optim.Optimizer,
    sets: list[tuple[torch.Tensor, tuple[float, float]]],
    noise: NoiseModel,
    doses: tuple[float, float],
    config: TrainConfig,
    step: int,
    device: torch.device,
    bf16: bool,
) -> float:
    cpu, on_device = _generators(config.seed, step, device)
    frames = network.in_frames
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
    with _autocast(device, bf16):
        estimate = network((noisy / scale).contiguous(memory_format=torch.channels_last))
    target = clean[:, frames // 2 : frames // 2 + 1]
    error = (estimate.float() - target).pow(2).mean(dim=(1, 2, 3))
    loss = (error * dose).mean()  # MSE in counts over the Poisson variance: doses weigh alike
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def _describe_init(init: LoadedModel | None) -> dict[str, Any] | None:
    if init is None:
        return None
    return {
        "path": str(init.path),
        "name": init.header.name,
        "weights_sha256": init.header.weights_sha256,
    }


def _uses_bf16(config: TrainConfig, device: torch.device) -> bool:
    return config.precision == "bf16" or (config.precision == "auto" and fast_bf16(device))


def _history(init: LoadedModel | None, training: dict[str, Any]) -> list[dict[str, Any]]:
    """Every training run behind the weights, oldest first: the model started from, then this."""

    def entry(t: dict[str, Any]) -> dict[str, Any]:
        return {
            "steps": t.get("steps"),
            "batch_size": (t.get("config") or {}).get("batch_size"),
            "images": sum(d.get("images", 0) for d in t.get("data", [])),
            "device": t.get("device"),
            "precision": t.get("precision", "fp32"),
            "wall_seconds": t.get("wall_seconds"),
        }

    earlier: list[dict[str, Any]] = []
    if init is not None:
        before = init.header.training
        earlier = list(before.get("history") or ([entry(before)] if before else []))
    return [*earlier, entry(training)]


def _autocast(device: torch.device, bf16: bool) -> contextlib.AbstractContextManager[Any]:
    """Autocast to bfloat16 (weights, loss and optimizer stay float32) or nothing."""
    if bf16:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _validate(
    network: Denoiser,
    validation: list[ValidationImage],
    device: torch.device,
    scheduler: Any,
    state: RunState,
) -> dict[str, float]:
    metrics = validate(network, validation, device)
    scheduler.step(metrics["psnr_count"])
    if metrics["psnr_count"] > state.best_psnr:
        state.best_psnr = metrics["psnr_count"]
        state.best_step = state.step
        state.best_validation = metrics
        state.best_weights = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
    return metrics


def _row(
    state: RunState,
    recent: list[float],
    optimizer: torch.optim.Optimizer,
    seconds: float,
    metrics: dict[str, float] | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "step": state.step,
        "loss": float(np.mean(recent)) if recent else float("nan"),
        "lr": float(optimizer.param_groups[0]["lr"]),
        "seconds": round(seconds, 2),
    }
    row.update(metrics or {})
    return row


def _write_log(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@contextlib.contextmanager
def _log_writer(path: Path) -> Iterator[Callable[[dict[str, Any]], None]]:
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")

        def write(row: dict[str, Any]) -> None:
            writer.writerow(row)
            handle.flush()

        yield write


def _save(
    config: TrainConfig,
    network: Denoiser,
    state: RunState,
    train_sets: list[CleanSet],
    val_sets: list[CleanSet],
    noise_doses: tuple[NoiseModel, tuple[float, float]],
    init: LoadedModel | None,
    pixel_size: float,
    stopped: bool,
) -> None:
    noise, doses = noise_doses
    device = next(network.parameters()).device
    best = copy.deepcopy(network).cpu()
    best.to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]
    if state.best_weights is not None:
        best.load_state_dict(state.best_weights)
    best.eval()
    zooms = [_zoom_range(s, config) for s in train_sets]
    training = {
        "data": [
            {
                "path": str(s.path),
                "images": int(s.images.shape[0]),
                "pixel_size": s.pixel_size,
                "fingerprint": s.fingerprint,
            }
            for s in train_sets
        ],
        "validation": [
            {"path": str(s.path), "images": int(s.images.shape[0]), "fingerprint": s.fingerprint}
            for s in val_sets
        ],
        "steps": state.step,
        "steps_planned": config.steps,
        "stopped_early": stopped,
        "best_step": state.best_step,
        "best_validation": state.best_validation,
        "batch_size": config.batch_size,
        "patch_size": config.patch_size,
        "optimizer": {
            "name": "Adam",
            "lr": config.lr,
            "plateau_factor": config.lr_factor,
            "plateau_patience": config.lr_patience,
            "min_lr": config.min_lr,
        },
        "loss": "L2: per-patch MSE in counts divided by the dose",
        "doses": list(doses),
        "augment": {
            "pixel_size_range": [
                min(z[0] * s.pixel_size for z, s in zip(zooms, train_sets, strict=True)),
                max(z[1] * s.pixel_size for z, s in zip(zooms, train_sets, strict=True)),
            ],
            "rotation_max": config.rotation_max,
            "flips_and_quarter_turns": True,
            "frames": network.in_frames,
            "drift_px_per_frame": config.drift if network.in_frames > 1 else 0.0,
        },
        "init": _describe_init(init),
        "seed": config.seed,
        "device": describe_device(device),
        "precision": "bf16 autocast" if _uses_bf16(config, device) else "fp32",
        "torch": torch.__version__,
        "wall_seconds": round(state.elapsed, 1),
        "config": config.run_fields(),
    }
    training["history"] = _history(init, training)
    save_model(
        config.output,
        best,
        pixel_size=pixel_size,
        dose_range=doses,
        noise_model=noise.to_dict(),
        training=training,
        name=config.name,
        description=config.description,
        weights_dtype=config.weights_dtype,
    )
