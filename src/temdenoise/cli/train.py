"""The ``temdenoise train`` subcommand: parsing and a progress bar around ``run_train``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from temdenoise.cli.arguments import (
    add_config,
    add_optimizer,
    add_overwrite,
    add_run_limits,
    add_seed,
    add_training_device,
    values,
)

NAMES = (
    "data",
    "output",
    "noise",
    "dose_range",
    "arch",
    "arch_params",
    "init",
    "init_frames",
    "drift",
    "steps",
    "batch_size",
    "patch_size",
    "lr",
    "warmup",
    "average_decay",
    "freeze_norms",
    "seed",
    "device",
    "threads",
    "precision",
    "time_limit",
    "name",
    "resume",
    "overwrite",
)
"""The options that become the fields of the same name of a ``TrainConfig``."""


def register(sub: Any) -> None:
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
        "--init-frames",
        choices=("mean", "middle"),
        default=None,
        help="a one-frame --init seeds a multi-frame model: spread over the frames (mean, "
        "default) or on the middle frame alone (middle: it starts as the one-frame model)",
    )
    tr.add_argument(
        "--drift", type=float, default=None, help="multi-frame: px per frame, at most (default 1)"
    )
    add_optimizer(tr, steps=20000, batch_size=16, lr_help="Adam learning rate (default 1e-3)")
    tr.add_argument(
        "--warmup",
        type=int,
        default=None,
        metavar="STEPS",
        help="ramp the learning rate up linearly over the first STEPS steps (default 0); "
        "spares a trained --init the knock of a fresh optimizer's first steps",
    )
    tr.add_argument(
        "--average-decay",
        type=float,
        default=None,
        metavar="D",
        help="keep a moving average of the weights (e.g. 0.999) and ship it (default 0: off)",
    )
    tr.add_argument(
        "--freeze-norms",
        action="store_true",
        default=None,
        help="batch norms divide by their running statistics in training too, as when "
        "denoising (for continuing a trained model)",
    )
    add_seed(tr)
    add_training_device(tr)
    tr.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default=None,
        help="auto (default): bf16 autocast on GPUs and on CPUs with native bf16 (AMX)",
    )
    add_run_limits(tr)
    tr.add_argument("--resume", action="store_true", default=None, help="continue a run")
    add_overwrite(tr)
    add_config(tr, "TrainConfig")
    tr.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Train as the parsed ``args`` say; print what was written."""
    from tqdm import tqdm

    from temdenoise.config import TrainConfig
    from temdenoise.train.loop import TrainStatus, run_train

    given = values(args, NAMES)
    given["data"] = tuple(args.data) if args.data else None
    config = TrainConfig.from_arguments(args.config, **given)
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
