"""The prepared GPU job's training: each shipped model continued from its weights, in bf16.

``scripts/gpu_job.py`` runs it on a lent GPU machine, then the repository's throughput
benchmark (which is why that script, not this module, runs the benchmark). Each shipped
model continues from its current weights (``init``) in bf16 autocast with large batches,
over the dose range of the seed's regime (0.5-60 counts/px on the 0.25 A/px grid), for its
share (:data:`SHARES`) of the training minutes; ``dry_run`` shrinks every size to rehearse
the job on the CPU.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SHARES = {"bf-unet": 0.4, "seed-dncnn": 0.3, "bf-unet-5f": 0.3}
"""Share of the training minutes each shipped model gets."""


def planned_minutes(minutes: float, models: Sequence[str]) -> dict[str, float]:
    """Split ``minutes`` of training over the shipped ``models`` by their :data:`SHARES`."""
    return {name: minutes * SHARES[name] / sum(SHARES[m] for m in models) for name in models}


def continue_training(
    name: str, data: list[Path], out: Path, minutes: float, device: str, dry: bool
) -> dict[str, Any]:
    """Continue training the shipped model ``name``; copy the model file into ``out``.

    Parameters
    ----------
    name : str
        A shipped model (a key of :data:`SHARES`).
    data : list of Path
        Clean datasets (.zarr) from ``temdenoise simulate``.
    out : Path
        Folder that receives ``NAME.safetensors``; the checkpoints stay in a temporary
        folder.
    minutes : float
        Time limit of the run.
    device : str
        Where to train (``"cuda"``, ``"cpu"``).
    dry : bool
        Tiny sizes and two steps: a rehearsal.

    Returns
    -------
    dict
        The run for the job's summary: planned minutes, wall time, steps, best step and
        validation, precision, batch size and the training log. One line about it is
        printed (the job's log).

    """
    from temdenoise.config import TrainConfig
    from temdenoise.models.checkpoint import read_header
    from temdenoise.pretrained import resolve_model
    from temdenoise.train.loop import run_train
    from temdenoise.train.workdir import work_dir

    shipped = read_header(resolve_model(name))
    frames = int(shipped.arch_params.get("in_frames", 1))
    work = Path(tempfile.mkdtemp(prefix=f"gpu-job-{name}-"))  # checkpoints stay out of OUT
    output = work / f"{name}.safetensors"
    values: dict[str, Any] = {
        "data": tuple(data),
        "output": output,
        "arch": shipped.arch,
        "arch_params": shipped.arch_params,
        "init": name,
        "dose_range": (0.5, 60.0),
        "pixel_size": shipped.pixel_size,
        "pixel_size_range": shipped.trained_pixel_sizes or (0.15, 0.4),
        "drift": 1.0,
        "steps": 1_000_000,
        "batch_size": 64 if frames == 1 else 32,
        "patch_size": 128,
        "lr": 2e-4,  # the CPU runs' 1e-4 at batch 16, scaled by the square root of the batch
        "warmup": 200,  # a fresh Adam on trained weights (no checkpoint travels): ~30 s
        "average_decay": 0.999,
        "freeze_norms": True,  # the shipped running statistics, as on the CPU (training.md)
        "val_every": 100,
        "checkpoint_every": 100,
        "lr_patience": 6,
        "val_images": 16,
        "val_size": 192,
        "val_doses": (11.25,),  # the seed's 180 e/A^2 on the grid, as the CPU runs validate
        "seed": 11 + len(shipped.training.get("history", [])),  # new draws for each run
        "device": device,
        "precision": "auto",
        "time_limit": minutes,
        "name": name,
        "description": shipped.description,
        "weights_dtype": shipped.weights_dtype,
        "overwrite": True,
    }
    if dry:
        values.update(
            batch_size=2, patch_size=32, steps=2, val_every=1, checkpoint_every=1,
            val_images=2, val_size=24, time_limit=None,
        )  # fmt: skip
    config = TrainConfig.build(source="gpu job", **values)
    started = time.perf_counter()
    result = run_train(config)
    seconds = time.perf_counter() - started
    with (work_dir(output) / "log.csv").open() as handle:
        log = [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]
    header = read_header(output)
    shutil.copy2(output, out / output.name)
    run = {
        "minutes_planned": round(minutes, 2),
        "seconds": round(seconds, 1),
        "steps": header.training["steps"],
        "best_step": header.training["best_step"],
        "best_validation": result.best_validation,
        "precision": header.training.get("precision"),
        "batch_size": config.batch_size,
        "log": log,
    }
    print(
        f"{name}: {run['steps']} steps in {seconds:.0f} s, best validation "
        f"{result.best_validation.get('psnr_count', float('nan')):.2f} dB at step "
        f"{run['best_step']}",
        flush=True,
    )
    return run
