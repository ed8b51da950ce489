"""The ``temdenoise train`` orchestrator: patches, fresh noise, L2 loss, Adam, validation.

Every step draws its patches, doses and noise from generators seeded by (seed, step),
so a run is deterministic for its seed and a resumed run continues exactly as if it
had not been interrupted. The working folder ``OUTPUT.train/`` holds the checkpoint,
``log.csv`` (one row every 10 steps and at every validation), ``config.json`` and, at
the end, ``summary.json``; the model file is written (atomically) at the end with the
weights of the best validation. With ``average_decay`` set, validation scores (and the
model file holds) the moving average of the weights rather than the last step's.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from temdenoise._heap import reuse_freed_memory
from temdenoise.config import TrainConfig
from temdenoise.errors import ConfigError, InputError
from temdenoise.infer.device import resolve_device
from temdenoise.models import BiasFreeBatchNorm2d, build_model
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel, load_model
from temdenoise.noise import NoiseModel
from temdenoise.pretrained import resolve_model
from temdenoise.train.average import WeightAverage
from temdenoise.train.card import save_trained
from temdenoise.train.data import CleanSet, read_clean
from temdenoise.train.inputs import default_val_doses, noise_and_doses, zoom_range
from temdenoise.train.patches import Source
from temdenoise.train.state import RunState, load_checkpoint, save_checkpoint
from temdenoise.train.step import train_step, uses_bf16
from temdenoise.train.validate import ValidationImage, validate, validation_set
from temdenoise.train.warm import warm_start
from temdenoise.train.workdir import log_row, log_writer, prepare_work_dir, write_log

logger = logging.getLogger(__name__)

LOG_EVERY = 10


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
    noise, doses = noise_and_doses(config)
    if config.freeze_norms and not config.init:
        raise ConfigError("freeze_norms keeps the statistics of a trained model: give init")
    init = load_model(resolve_model(config.init)) if config.init else None
    work = prepare_work_dir(config)
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
            warm_start(network, init.network, frames=config.init_frames)
        except ValueError as exc:
            raise ConfigError(f"{init.path}: {exc}") from None
    bf16 = uses_bf16(config, device)
    network.to(device).train()
    if config.freeze_norms:
        for module in network.modules():
            if isinstance(module, BiasFreeBatchNorm2d):
                module.eval()
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
    average = WeightAverage(network, config.average_decay) if config.average_decay else None
    run = config.run_fields()
    checkpoint = work / "checkpoint.pt"
    state = RunState()
    if config.resume:
        state = load_checkpoint(
            checkpoint,
            run=run,
            network=network,
            optimizer=optimizer,
            scheduler=scheduler,
            average=average,
        )
        logger.info("resuming %s at step %d", config.output, state.step)
    (work / "config.json").write_text(config.model_dump_json(indent=2))
    val_doses = config.val_doses or default_val_doses(doses, pixel_size)
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
    for s in train_sets:
        if s.movie and s.images.shape[0] < network.in_frames:
            raise InputError(
                f"{s.path}: a movie of {s.images.shape[0]} frames is shorter than the "
                f"network's window of {network.in_frames}"
            )
    # on the training device: a GPU cuts its own patches (sample_patches), the host only draws
    sets = [Source(s.images.to(device), zoom_range(s, config), s.movie) for s in train_sets]

    def save() -> None:
        save_checkpoint(
            checkpoint,
            run=run,
            network=network,
            optimizer=optimizer,
            scheduler=scheduler,
            state=state,
            average=average,
        )

    log = work / "log.csv"
    write_log(log, state.rows)
    started = time.monotonic() - state.elapsed
    session = time.monotonic()
    stopped = False
    recent: list[float] = []
    with log_writer(log) as write_row, reuse_freed_memory():  # activations and gradients
        while state.step < config.steps:
            if config.time_limit and time.monotonic() - session > 60 * config.time_limit:
                stopped = True
                break
            if state.step < config.warmup:
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * (state.step + 1) / config.warmup
            loss = train_step(
                network, optimizer, sets, noise, doses, config, state.step, device, bf16
            )
            if not math.isfinite(loss):
                raise ConfigError(
                    f"training diverged at step {state.step + 1} (loss {loss}); lower --lr"
                )
            state.step += 1
            if average is not None:
                average.update(network)
            recent.append(loss)
            metrics = None
            if state.step % config.val_every == 0 or state.step == config.steps:
                schedule = scheduler if state.step >= config.warmup else None
                metrics = _validate(network, validation, device, schedule, state, average)
            if metrics is not None or state.step % LOG_EVERY == 0:
                row = log_row(state, recent, optimizer, time.monotonic() - started, metrics)
                state.rows.append(row)
                write_row(row)
                recent = []
            state.elapsed = time.monotonic() - started
            if state.step % config.checkpoint_every == 0:
                save()
            if progress is not None:
                lr = float(optimizer.param_groups[0]["lr"])
                progress(TrainStatus(state.step, config.steps, loss, lr, metrics))
    if state.best_weights is None or (
        stopped and state.rows and "psnr_count" not in state.rows[-1]
    ):
        metrics = _validate(network, validation, device, scheduler, state, average)
        row = log_row(state, recent, optimizer, time.monotonic() - started, metrics)
        state.rows.append(row)
        write_log(log, state.rows)
    state.elapsed = time.monotonic() - started
    save()
    save_trained(
        config, network, state, train_sets, val_sets, (noise, doses), init, pixel_size, stopped
    )
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


def _validate(
    network: Denoiser,
    validation: list[ValidationImage],
    device: torch.device,
    scheduler: Any,
    state: RunState,
    average: WeightAverage | None,
) -> dict[str, float]:
    """Score the network (or its averaged weights), step the schedule, keep the best."""
    scored = network if average is None else average.averaged(network)
    metrics = validate(scored, validation, device)  # type: ignore[arg-type]
    if scheduler is not None:  # None: still warming up
        scheduler.step(metrics["psnr_count"])
    if metrics["psnr_count"] > state.best_psnr:
        state.best_psnr = metrics["psnr_count"]
        state.best_step = state.step
        state.best_validation = metrics
        state.best_weights = {k: v.detach().cpu().clone() for k, v in scored.state_dict().items()}
    return metrics
