"""Training speed: steps/s and patch-megapixels/s of the real training step, fp32 against bf16.

Each shipped architecture is trained for a few steps of the training loop's own step
(patch sampling with augmentation, Poisson noise at a drawn dose, forward, L2 loss,
backward, Adam) on synthetic clean images, once in fp32 and once under bf16 autocast with
channels_last (the default where the device computes bf16 natively: see
``temdenoise.infer.device.fast_bf16``). The first steps are warm-up and not timed.

    python benchmarks/train_speed.py [--steps 6] [--batch-size 8] [--patch-size 128]
        [--threads 2] [--device cpu] [-o train_speed.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import torch

from temdenoise._heap import reuse_freed_memory
from temdenoise.config import TrainConfig
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.device import cpu_has_native_bf16
from temdenoise.models import build_model
from temdenoise.noise import NoiseModel, Poisson
from temdenoise.train.patches import Source
from temdenoise.train.step import train_step

ARCHS = {
    "bf-unet (unet 4x32)": ("unet", {"scales": 4, "width": 32}),
    "bf-unet-5f (unet 4x32, 5 frames)": ("unet", {"scales": 4, "width": 32, "in_frames": 5}),
    "seed-dncnn (dncnn 20x64)": ("dncnn", {"depth": 20, "width": 64}),
}


def main() -> None:
    """Parse the arguments, time every architecture and precision, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="timed steps per case")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--patch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default=None)
    parser.add_argument("--archs", nargs="*", default=list(ARCHS), choices=list(ARCHS))
    parser.add_argument(
        "--plain-heap",
        action="store_true",
        help="glibc's defaults: freed memory unmapped after every step (the loop keeps it)",
    )
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    print(f"device: {describe_device(device)}; native CPU bf16: {cpu_has_native_bf16()}")
    images = torch.rand(8, 512, 512, generator=torch.Generator().manual_seed(0)) + 0.5
    sets = [Source(images, (0.6, 1.6))]
    rows: list[dict[str, Any]] = []
    print(f"| {'network':<34} | {'precision':<9} | {'steps/s':>8} | {'patch MP/s':>10} |")
    print(f"|{'-' * 36}|{'-' * 11}|{'-' * 10}|{'-' * 12}|")
    for label in args.archs:
        arch, params = ARCHS[label]
        for bf16 in (False, True):
            seconds = _time(arch, params, bf16, sets, args, device)
            steps = args.steps / seconds
            mp = steps * args.batch_size * args.patch_size**2 * params.get("in_frames", 1) / 1e6
            row = {"network": label, "bf16": bf16, "steps_per_s": steps, "patch_mp_per_s": mp}
            rows.append(row)
            name = "bf16" if bf16 else "fp32"
            print(f"| {label:<34} | {name:<9} | {steps:>8.3f} | {mp:>10.3f} |", flush=True)
    if args.output:
        result = {"device": describe_device(device), "config": vars(args) | {"output": None}}
        args.output.write_text(json.dumps(result | {"rows": rows}, indent=2, default=str))


def _time(
    arch: str,
    params: dict[str, Any],
    bf16: bool,
    sets: list[Source],
    args: argparse.Namespace,
    device: torch.device,
) -> float:
    torch.manual_seed(0)
    network = build_model(arch, **params).to(device).train()
    if bf16:
        network.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    config = TrainConfig.build(
        data=(Path("synthetic"),),
        output=Path("unused.safetensors"),
        batch_size=args.batch_size,
        patch_size=args.patch_size,
    )
    noise = NoiseModel([Poisson()])
    started = 0.0
    heap = contextlib.nullcontext() if args.plain_heap else reuse_freed_memory()
    with heap:  # as the training loop runs its steps
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                started = time.perf_counter()
            train_step(network, optimizer, sets, noise, (0.5, 60.0), config, step, device, bf16)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
