"""The prepared GPU job: continue training every shipped model, then measure throughput.

Run on a lent GPU machine by ``scripts/gpu_job.sh`` (at most ~9 minutes in all), or rehearsed
on the CPU with ``--dry-run``, which shrinks every size and is run by the tests. Each
shipped model continues from its current weights (``--init``) in bf16 autocast with large
batches on the clean datasets under ``--data``, over the dose range of the seed's regime
(0.5-60 counts/px on the 0.25 A/px grid), for its share of ``--minutes``; then
``benchmarks/throughput.py`` measures file-to-file against the network alone, fp32 and bf16.
Everything lands in ``--out``: one model file per shipped model, ``summary.json`` (device,
settings, each run's best validation, steps, wall time and training log) and the throughput
tables. Nothing is copied into the package: a session compares the models with the
benchmarks and ships the better ones with their cards.

    python scripts/gpu_job.py --data .gpu-bundle/data --out $OUT [--minutes 7] [--dry-run]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARES = {"bf-unet": 0.4, "seed-dncnn": 0.3, "bf-unet-5f": 0.3}
"""Share of the training minutes each shipped model gets."""


def main() -> None:
    """Parse the arguments, train each shipped model, run the throughput benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of clean .zarr sets")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=7.0, help="training, all models")
    parser.add_argument("--models", nargs="*", default=list(SHARES), choices=list(SHARES))
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes, CPU: a rehearsal")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import torch

    from temdenoise.infer import describe_device, resolve_device

    device = resolve_device("cpu" if args.dry_run else None)
    args.out.mkdir(parents=True, exist_ok=True)
    data = sorted(args.data.glob("*.zarr"))
    if not data:
        raise SystemExit(f"{args.data}: no .zarr datasets")
    summary: dict[str, Any] = {
        "device": describe_device(device),
        "torch": torch.__version__,
        "dry_run": args.dry_run,
        "data": [str(p) for p in data],
        "runs": {},
    }
    print(f"gpu job: {summary['device']}, torch {torch.__version__}", flush=True)
    for name in args.models:
        minutes = args.minutes * SHARES[name] / sum(SHARES[m] for m in args.models)
        summary["runs"][name] = _train(name, data, args.out, minutes, device.type, args.dry_run)
        _write(args.out / "summary.json", summary)
    summary["throughput"] = _throughput(args.out, args.dry_run, device.type)
    _write(args.out / "summary.json", summary)
    print(f"wrote {args.out}", flush=True)


def _train(
    name: str, data: list[Path], out: Path, minutes: float, device: str, dry: bool
) -> dict[str, Any]:
    import shutil
    import tempfile

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
        "lr": 3e-4,
        "val_every": 100,
        "checkpoint_every": 100,
        "lr_patience": 6,
        "val_images": 16,
        "seed": 11,
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


def _throughput(out: Path, dry: bool, device: str) -> dict[str, Any]:
    tables = {}
    sizes = ["--size", "64", "--frames", "1"] if dry else ["--size", "1024", "--frames", "8"]
    for precision in ("fp32", "bf16"):
        path = out / f"throughput-{precision}.json"
        command = [sys.executable, str(ROOT / "benchmarks" / "throughput.py"), *sizes, "--gb"]
        command += ["--device", device, "--precision", precision, "-o", str(path)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        print(done.stdout, done.stderr[-2000:] if done.returncode else "", flush=True)
        tables[precision] = json.loads(path.read_text()) if path.exists() else None
    return tables


def _write(path: Path, body: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=2, default=str))
    tmp.replace(path)


if __name__ == "__main__":
    main()
