"""Training checkpoints: everything needed to resume a run exactly, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from temdenoise._files import default_mode
from temdenoise.errors import ConfigError, InputError
from temdenoise.train.average import WeightAverage

FORMAT = "temdenoise-train-checkpoint"


@dataclass
class RunState:
    """Progress of a run beyond the network and optimizer.

    ``best_weights`` (CPU state dict) are those of the best validation so far.
    """

    step: int = 0
    best_psnr: float = float("-inf")
    best_step: int = 0
    best_validation: dict[str, float] = field(default_factory=dict)
    best_weights: dict[str, torch.Tensor] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    elapsed: float = 0.0


def save_checkpoint(
    path: Path,
    *,
    run: dict[str, Any],
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    state: RunState,
    average: WeightAverage | None = None,
) -> None:
    """Write a checkpoint to ``path`` through a temporary file and a rename."""
    payload = {
        "format": FORMAT,
        "run": json.dumps(run, sort_keys=True),
        "network": network.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "best_weights": state.best_weights or {},
        "average": {} if average is None else average.state_dict(),
        "progress": json.dumps(
            {
                "step": state.step,
                "best_psnr": state.best_psnr,
                "best_step": state.best_step,
                "best_validation": state.best_validation,
                "rows": state.rows,
                "elapsed": state.elapsed,
            }
        ),
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        default_mode(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_checkpoint(
    path: Path,
    *,
    run: dict[str, Any],
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    average: WeightAverage | None = None,
) -> RunState:
    """Restore a run from ``path``; its configuration must equal ``run``.

    Raises
    ------
    InputError
        The checkpoint is unreadable or not ours.
    ConfigError
        It belongs to a run with different settings (the fields are named).
    """
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: torch raises many types
        raise InputError(f"{path}: unreadable training checkpoint ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(f"{path}: not a temdenoise training checkpoint")
    saved = json.loads(payload["run"])
    differ = sorted(k for k in set(saved) | set(run) if saved.get(k) != run.get(k))
    if differ:
        raise ConfigError(
            f"{path}: the interrupted run had other settings ({', '.join(differ)}); "
            "resume with the same ones or start afresh with --overwrite"
        )
    network.load_state_dict(payload["network"])
    optimizer.load_state_dict(payload["optimizer"])
    scheduler.load_state_dict(payload["scheduler"])
    if average is not None:
        average.load_state_dict(payload["average"])  # same settings: checked above
    progress = json.loads(payload["progress"])
    return RunState(
        step=int(progress["step"]),
        best_psnr=float(progress["best_psnr"]),
        best_step=int(progress["best_step"]),
        best_validation=dict(progress["best_validation"]),
        best_weights=dict(payload["best_weights"]) or None,
        rows=list(progress["rows"]),
        elapsed=float(progress["elapsed"]),
    )
