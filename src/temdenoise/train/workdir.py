"""The working folder beside a model file: its preparation and the run's log.csv."""

from __future__ import annotations

import contextlib
import csv
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from temdenoise.config import TrainConfig
from temdenoise.errors import ConfigError, OutputError
from temdenoise.train.state import RunState

COLUMNS = ("step", "loss", "lr", "seconds", "psnr_count", "psnr_range", "ssim")


def work_dir(output: Path) -> Path:
    """Return the folder beside the model file that holds the checkpoint and the log."""
    return output.with_name(output.name + ".train")


def prepare_work_dir(config: TrainConfig) -> Path:
    """Check the output and make (or, to resume, find) the working folder."""
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


def log_row(
    state: RunState,
    recent: list[float],
    optimizer: torch.optim.Optimizer,
    seconds: float,
    metrics: dict[str, float] | None,
) -> dict[str, Any]:
    """Return the log row of the current step: mean loss since the last row, metrics."""
    row: dict[str, Any] = {
        "step": state.step,
        "loss": float(np.mean(recent)) if recent else float("nan"),
        "lr": float(optimizer.param_groups[0]["lr"]),
        "seconds": round(seconds, 2),
    }
    row.update(metrics or {})
    return row


def write_log(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to the log file at ``path``, replacing it."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@contextlib.contextmanager
def log_writer(path: Path) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Append rows to the log file at ``path``, each flushed at once."""
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")

        def write(row: dict[str, Any]) -> None:
            writer.writerow(row)
            handle.flush()

        yield write
