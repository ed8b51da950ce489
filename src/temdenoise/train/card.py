"""The model file a run writes: the best weights and the record of how they were trained."""

from __future__ import annotations

import copy
from typing import Any

import torch

from temdenoise.config import TrainConfig
from temdenoise.infer.device import describe_device
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel, save_model
from temdenoise.noise import NoiseModel
from temdenoise.train.data import CleanSet
from temdenoise.train.inputs import zoom_range
from temdenoise.train.state import RunState
from temdenoise.train.step import uses_bf16


def save_trained(
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
    """Write the model file: the best validation's weights and the training record."""
    noise, doses = noise_doses
    device = next(network.parameters()).device
    best = copy.deepcopy(network).cpu()
    best.to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]
    if state.best_weights is not None:
        best.load_state_dict(state.best_weights)
    best.eval()
    zooms = [zoom_range(s, config) for s in train_sets]
    training = {
        "data": [
            {
                "path": str(s.path),
                "images": int(s.images.shape[0]),
                "kind": "movie" if s.movie else "images",
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
            "weight_average_decay": config.average_decay or None,
            "frozen_norm_statistics": config.freeze_norms,
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
        "precision": "bf16 autocast" if uses_bf16(config, device) else "fp32",
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


def _describe_init(init: LoadedModel | None) -> dict[str, Any] | None:
    if init is None:
        return None
    return {
        "path": str(init.path),
        "name": init.header.name,
        "weights_sha256": init.header.weights_sha256,
        "in_frames": init.network.in_frames,
    }


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
