"""Throughput of `temdenoise denoise` with 1 and 2 Dask workers, and parallel efficiency.

Denoises one synthetic movie (random count frames) with a randomly initialised network
of a shipped architecture, single-process and on local Dask clusters of increasing size,
and prints megapixels per second. Each worker gets the same share of the cores
(``--threads-per-worker``, default: the cores over the largest cluster), so the
efficiency of N workers, ``MP/s(N) / (N x MP/s(1))``, measures how well the work spreads,
not how many cores one worker had; the last column compares each run with one process
using every core.

    python benchmarks/scaling.py [--frames 16] [--size 256] [--workers 1 2] [--block-frames 1]
        [-o out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from temdenoise.config import DenoiseConfig
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.job import run_denoise
from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.models.checkpoint import save_model

NETWORKS = {"dncnn-20x64": lambda: BFDnCNN(), "unet-4x32": lambda: BFUNet(scales=4, width=32)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--network", choices=sorted(NETWORKS), default="unet-4x32")
    parser.add_argument("--threads-per-worker", type=int, default=None)
    parser.add_argument("--block-frames", type=int, default=1, help="frames per task")
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args()
    device = resolve_device(None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        movie = workdir / "movie.npy"
        frames = np.random.default_rng(0).poisson(0.45, (args.frames, args.size, args.size))
        np.save(movie, frames.astype(np.uint16))
        torch.manual_seed(0)
        model = workdir / "model.safetensors"
        save_model(model, NETWORKS[args.network](), pixel_size=1.0, dose_range=(0.1, 10.0))
        cores = os.cpu_count() or 1
        each = args.threads_per_worker or max(1, cores // max(args.workers))
        runs: list[tuple[str, str | None, int]] = [("single process", None, cores)]
        runs += [(f"dask, {n} worker(s)", f"local:{n}", n * each) for n in args.workers]
        for i, (label, cluster, threads) in enumerate(runs):
            config = DenoiseConfig(
                input=movie,
                output=workdir / f"out{i}.zarr",
                model=str(model),
                pixel_size=1.0,
                block_frames=args.block_frames,
                cluster=cluster,
                threads=threads,
                overwrite=True,
            )
            report = run_denoise(config)
            assert report.stats is not None
            mps = report.stats.frames * args.size**2 / report.stats.seconds / 1e6
            rows.append(
                {
                    "run": label,
                    "cluster": cluster,
                    "threads": threads,
                    "seconds": report.stats.seconds,
                    "megapixels_per_second": mps,
                }
            )
    base = next((r["megapixels_per_second"] for r in rows if r["cluster"] == "local:1"), None)
    single = rows[0]["megapixels_per_second"]
    print(
        f"device: {describe_device(device)}; {args.network}; {args.frames} frames of "
        f"{args.size}^2, {args.block_frames} per task"
    )
    print(f"{'run':<22} {'threads':>7} {'s':>7} {'MP/s':>7} {'efficiency':>10} {'/ single':>8}")
    for r in rows:
        n = int(r["cluster"].split(":")[1]) if r["cluster"] else None
        eff = f"{r['megapixels_per_second'] / (base * n):.2f}" if n and base else "-"
        ratio = r["megapixels_per_second"] / single
        print(
            f"{r['run']:<22} {r['threads']:>7} {r['seconds']:>7.1f} "
            f"{r['megapixels_per_second']:>7.3f} {eff:>10} {ratio:>8.2f}"
        )
    if args.output:
        Path(args.output).write_text(json.dumps({"device": describe_device(device), "rows": rows}))


if __name__ == "__main__":
    main()
