"""The CPU's cap on pixels per network call: halo against per-pixel speed, measured.

On a CPU, automatic tiling caps the input pixels of one network call
(`temdenoise.infer.apply.CPU_CALL_PIXELS`): large calls run slower per pixel, while small
windows make the network compute more halo. For each cap this prints the plan that
`auto_tile_and_batch` chooses for one frame (window, batch, calls, pixels computed per frame
pixel), the network's speed on that call and the frame rate it gives: frame pixels over the
time of all of the frame's calls (they have one shape, so one call is timed). Caps are
timed in interleaved rounds and the best round of each is kept, so that this shared
machine's drift from one minute to the next does not decide between them.

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
from temdenoise.infer.apply import activation_bytes, default_memory_budget
from temdenoise.infer.device import cpu_has_native_bf16
from temdenoise.infer.tiling import auto_tile_and_batch, plan_tiles
from temdenoise.models.layers import fold_norms


def plan_for(net, size, cap_mp, precision):
    """(window rows, columns), batch, calls per frame and computed pixels per frame pixel."""
    halo = net.receptive_radius
    tile, batch = auto_tile_and_batch(
        (size, size),
        halo=halo,
        multiple=net.downsampling,
        bytes_per_pixel=activation_bytes(net, precision),
        batch_size=4,
        budget_bytes=default_memory_budget(torch.device("cpu")),
        call_pixels=int(cap_mp * 2**20),
    )
    plan = plan_tiles((size, size), tile=tile, halo=halo, multiple=net.downsampling)
    window = plan.input_shape
    # one frame's windows in calls of `batch`; a movie fills every call, so count fractions
    calls = len(plan) / batch
    computed = len(plan) * window[0] * window[1] / size**2
    return window, batch, calls, computed


def time_call(runner, x, autocast):
    with torch.inference_mode(), autocast:
        start = time.perf_counter()
        runner(x)
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
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16")
    print(
        f"one {args.size}^2 frame, {args.precision}, {torch.get_num_threads()} thread(s), "
        f"best of {args.rounds} interleaved rounds; torch {torch.__version__}"
    )
    print(
        f"{'network':<13} {'cap MP':>6} {'window':>11} {'batch':>5} {'calls':>6} "
        f"{'computed px':>11} {'call MP/s':>9} {'frame MP/s':>10}"
    )
    rows = []
    rng = np.random.default_rng(0)
    for name in args.networks:
        torch.manual_seed(0)
        net = NETWORKS[name]()
        runner = fold_norms(net).to(memory_format=torch.channels_last)  # as the denoiser runs
        plans = {cap: plan_for(net, args.size, cap, args.precision) for cap in args.caps}
        shapes = {plan[:2] for plan in plans.values()}
        inputs = {
            (window, batch): torch.from_numpy(
                rng.poisson(0.45, (batch, net.in_frames, *window)).astype(np.float32)
            ).contiguous(memory_format=torch.channels_last)
            for window, batch in shapes
        }
        best = {shape: math.inf for shape in shapes}
        with reuse_freed_memory():
            for x in inputs.values():  # kernels built and memory mapped for each shape
                time_call(runner, x, autocast)
            for _ in range(args.rounds):
                for shape, x in inputs.items():
                    best[shape] = min(best[shape], time_call(runner, x, autocast))
        rates = {c: args.size**2 / (plans[c][2] * best[plans[c][:2]]) / 1e6 for c in args.caps}
        for cap in args.caps:
            window, batch, calls, computed = plans[cap]
            call_rate = batch * window[0] * window[1] / best[(window, batch)] / 1e6
            frame_rate = rates[cap]
            mark = " *" if frame_rate == max(rates.values()) else ""
            print(
                f"{name:<13} {cap:>6g} {window[0]:>5}x{window[1]:<5} {batch:>5} {calls:>6.2f} "
                f"{computed:>10.3f}x {call_rate:>9.3f} {frame_rate:>10.3f}{mark}"
            )
            rows.append(
                {
                    "network": name,
                    "cap_mp": cap,
                    "window": list(window),
                    "batch": batch,
                    "calls_per_frame": calls,
                    "computed_pixels_per_frame_pixel": computed,
                    "call_mps": call_rate,
                    "frame_mps": frame_rate,
                }
            )
    if args.output:
        Path(args.output).write_text(
            json.dumps({"size": args.size, "precision": args.precision, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
