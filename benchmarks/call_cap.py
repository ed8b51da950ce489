"""The CPU's cap on pixels per network call: halo against per-pixel speed, measured.

On a CPU, automatic tiling caps the input pixels of one network call
(`temdenoise.infer.apply.CPU_CALL_PIXELS`): large calls run slower per pixel, while small
windows make the network compute more halo (less since the halo is trimmed as the network
goes, `Denoiser.forward_trimmed`). For each cap this prints the plan that
`auto_tile_and_batch` chooses for one frame (window, batch, calls per frame, window pixels
per frame pixel) and the frame rate of `denoise` with that plan on frames in memory (enough
frames to fill a call). Caps are timed in interleaved rounds and the best round of each is
kept, so that this shared machine's drift from one minute to the next does not decide
between them.

    python benchmarks/call_cap.py --size 4096 --caps 1 2 3 4.5 6 --threads 1 --precision bf16
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from throughput import NETWORKS  # the shipped architectures (benchmarks/ is on the path)

from temdenoise._heap import reuse_freed_memory
from temdenoise.infer.apply import activation_bytes, default_memory_budget, denoise
from temdenoise.infer.device import cpu_has_native_bf16
from temdenoise.infer.tiling import auto_tile_and_batch, plan_tiles
from temdenoise.models.layers import fold_norms


def plan_for(net, size, cap_mp, precision):
    """Tile, batch, window (rows, columns), calls per frame and window pixels per frame pixel."""
    tile, batch = auto_tile_and_batch(
        (size, size),
        halo=net.exact_margin,
        multiple=net.downsampling,
        bytes_per_pixel=activation_bytes(net, precision),
        batch_size=4,
        budget_bytes=default_memory_budget(torch.device("cpu")),
        call_pixels=int(cap_mp * 2**20),
    )
    plan = plan_tiles((size, size), tile=tile, halo=net.exact_margin, multiple=net.downsampling)
    window = plan.input_shape
    # one frame's windows in calls of `batch`; a movie fills every call, so count fractions
    calls = len(plan) / batch
    computed = len(plan) * window[0] * window[1] / size**2
    return tile, batch, window, calls, computed


def time_plan(runner, frames, tile, batch, precision):
    """Seconds to denoise ``frames`` (in memory) with this tile and batch, as `denoise` runs."""
    start = time.perf_counter()
    denoise(frames, runner, tile=tile, batch_size=batch, precision=precision)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="frame side")
    parser.add_argument("--caps", type=float, nargs="+", default=[1, 2, 3, 4.5, 6], help="MP")
    parser.add_argument("--networks", nargs="*", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument(
        "--precision", choices=["fp32", "bf16"], default=None, help="default: as auto picks"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best kept)")
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.precision is None:  # as --precision auto: bf16 only where the CPU computes it
        args.precision = "bf16" if cpu_has_native_bf16() else "fp32"
    print(
        f"{args.size}^2 frames, {args.precision}, {torch.get_num_threads()} thread(s), "
        f"best of {args.rounds} interleaved rounds; torch {torch.__version__}"
    )
    print(
        f"{'network':<13} {'cap MP':>6} {'window':>11} {'batch':>5} {'calls':>6} "
        f"{'window px':>10} {'frame MP/s':>10}"
    )
    rows = []
    rng = np.random.default_rng(0)
    for name in args.networks:
        torch.manual_seed(0)
        net = NETWORKS[name]()
        runner = fold_norms(net)  # as the denoiser runs it
        plans = {cap: plan_for(net, args.size, cap, args.precision) for cap in args.caps}
        # as many frames as fill one call of the largest batch, so every call is full
        frames = rng.poisson(0.45, (max(p[1] for p in plans.values()), args.size, args.size))
        frames = frames.astype(np.float32)
        best = dict.fromkeys(args.caps, math.inf)
        with reuse_freed_memory():
            time_plan(runner, frames[:1], *plans[args.caps[0]][:2], args.precision)  # warm-up
            for _ in range(args.rounds):
                for cap in args.caps:
                    tile, batch = plans[cap][:2]
                    frames_in = frames[: len(frames) // batch * batch]
                    seconds = time_plan(runner, frames_in, tile, batch, args.precision)
                    best[cap] = min(best[cap], seconds / len(frames_in))
        rates = {cap: args.size**2 / best[cap] / 1e6 for cap in args.caps}
        for cap in args.caps:
            _, batch, window, calls, computed = plans[cap]
            mark = " *" if rates[cap] == max(rates.values()) else ""
            print(
                f"{name:<13} {cap:>6g} {window[0]:>5}x{window[1]:<5} {batch:>5} {calls:>6.2f} "
                f"{computed:>9.3f}x {rates[cap]:>10.3f}{mark}"
            )
            rows.append(
                {
                    "network": name,
                    "cap_mp": cap,
                    "window": list(window),
                    "batch": batch,
                    "calls_per_frame": calls,
                    "window_pixels_per_frame_pixel": computed,
                    "frame_mps": rates[cap],
                }
            )
    if args.output:
        Path(args.output).write_text(
            json.dumps({"size": args.size, "precision": args.precision, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
