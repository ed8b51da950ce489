"""The ``temdenoise train`` subcommand: parsing and a progress bar around ``run_train``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_train(sub: Any) -> None:
    """Register ``train`` on the subcommand parsers ``sub``."""
    tr = sub.add_parser(
        "train",
        help="train a denoiser on simulated clean images with noise drawn on the fly",
        description="Train a bias-free denoiser (L2 loss, Adam, plateau schedule on the "
        "validation PSNR) on one or more datasets from 'temdenoise simulate', with noise "
        "from a 'fit-noise' model or Poisson over a dose range. Checkpoints in "
        "OUTPUT.train/ let --resume continue an interrupted run exactly.",
    )
    tr.add_argument("--data", type=Path, action="append", help="simulated .zarr (repeatable)")
    tr.add_argument("-o", "--output", type=Path, default=None, help="model file (.safetensors)")
    tr.add_argument("--noise", type=Path, default=None, help="noise model from fit-noise")
    tr.add_argument(
        "--dose-range",
        type=_pair,
        default=None,
        metavar="LOW,HIGH",
        help="counts/px/frame drawn per patch (default 0.5,60 without --noise)",
    )
    tr.add_argument("--arch", choices=("dncnn", "unet"), default=None, help="default unet")
    tr.add_argument(
        "--arch-params", type=_json, default=None, metavar="JSON", help="e.g. '{\"scales\": 4}'"
    )
    tr.add_argument(
        "--init", default=None, metavar="MODEL", help="start from a shipped name or model file"
    )
    tr.add_argument(
        "--drift", type=float, default=None, help="multi-frame: px per frame, at most (default 1)"
    )
    tr.add_argument("--steps", type=int, default=None, help="optimizer steps (default 20000)")
    tr.add_argument("--batch-size", type=int, default=None, help="patches per step (default 16)")
    tr.add_argument("--patch-size", type=int, default=None, help="patch side, px (default 128)")
    tr.add_argument("--lr", type=float, default=None, help="Adam learning rate (default 1e-3)")
    tr.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    tr.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: a GPU if any)")
    tr.add_argument("--threads", type=int, default=None, help="CPU threads")
    tr.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default=None,
        help="auto (default): bf16 autocast on GPUs and on CPUs with native bf16 (AMX)",
    )
    tr.add_argument("--time-limit", type=float, default=None, help="stop after MINUTES")
    tr.add_argument("--name", default=None, help="model name stored in the file")
    tr.add_argument("--resume", action="store_true", default=None, help="continue a run")
    tr.add_argument("--overwrite", action="store_true", default=None, help="replace OUTPUT")
    tr.add_argument("--config", type=Path, default=None, help="JSON TrainConfig to start from")
    tr.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Train as the parsed ``args`` say; print what was written."""
    from tqdm import tqdm

    from temdenoise.config import TrainConfig
    from temdenoise.train.loop import TrainStatus, run_train

    values = {
        "data": tuple(args.data) if args.data else None,
        "output": args.output,
        "noise": args.noise,
        "dose_range": args.dose_range,
        "arch": args.arch,
        "arch_params": args.arch_params,
        "init": args.init,
        "drift": args.drift,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "patch_size": args.patch_size,
        "lr": args.lr,
        "seed": args.seed,
        "device": args.device,
        "threads": args.threads,
        "precision": args.precision,
        "time_limit": args.time_limit,
        "name": args.name,
        "resume": args.resume,
        "overwrite": args.overwrite,
    }
    config = TrainConfig.from_arguments(args.config, **values)
    bar: Any = None

    def progress(status: TrainStatus) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=status.steps, initial=status.step - 1, unit="step", smoothing=0.05)
        bar.update(1)
        postfix = {"loss": f"{status.loss:.3g}", "lr": f"{status.lr:.1e}"}
        if status.validation is not None:
            postfix["val"] = f"{status.validation['psnr_count']:.2f} dB"
        bar.set_postfix(postfix, refresh=False)

    try:
        result = run_train(config, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    best = result.best_validation
    print(
        f"wrote {result.output}: {result.steps} steps in {result.seconds / 60:.1f} min"
        + (" (stopped at the time limit)" if result.stopped_early else "")
        + f"; best validation at step {result.best_step}: "
        f"psnr_count {best['psnr_count']:.2f} dB, psnr_range {best['psnr_range']:.2f} dB, "
        f"SSIM {best['ssim']:.3f}"
    )
    print(f"log: {result.log}")
    return 0


def _pair(text: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH, got {text!r}") from None
    return low, high


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, got {text!r}")
    return value
