"""Throughput of exact tiled inference against tile and batch size.

Prints a table (and writes JSON) of megapixels per second of `temdenoise.denoise` on
random count frames for the seed network (BF-DnCNN 20 x 64) and a 4-scale BF-UNet, with
the halo overhead each tile size implies. Weights are random: throughput does not depend
on them.

    python benchmarks/tiled_inference.py [--size 512] [--frames 2] [--device cpu] [-o out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from temdenoise.infer import denoise, describe_device, plan_tiles, resolve_device
from temdenoise.models import BFDnCNN, BFUNet


def measure(net, frames, *, tile, batch_size, device, repeats):
    denoise(frames[:1], net, tile=tile, batch_size=batch_size, device=device)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        denoise(frames, net, tile=tile, batch_size=batch_size, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="frame side in pixels")
    parser.add_argument("--frames", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--device", default=None)
    parser.add_argument("-o", "--output", default=None, help="write the rows as JSON here")
    args = parser.parse_args()

    device = resolve_device(args.device)
    frames = np.random.default_rng(0).poisson(0.45, size=(args.frames, args.size, args.size))
    frames = frames.astype(np.float32)
    networks = {"dncnn-20x64": BFDnCNN(), "unet-4x32": BFUNet(scales=4, width=32)}
    print(f"device: {describe_device(device)}; torch {torch.__version__}; {platform.machine()}")
    print(f"{args.frames} frames of {args.size} x {args.size} counts (Poisson 0.45)\n")
    columns = ("network", "tile", "batch", "tiles", "overhead", "s", "MP/s")
    header = " ".join(f"{c:<12}" if i == 0 else f"{c:>8}" for i, c in enumerate(columns))
    print(header)
    print("-" * len(header))
    rows = []
    for name, net in networks.items():
        net.eval()
        for tile in (64, 128, 256, None):
            for batch_size in (1, 4):
                if tile is None and batch_size > 1:
                    continue
                plan = plan_tiles(
                    (args.size, args.size),
                    tile=tile,
                    halo=net.receptive_radius,
                    multiple=net.downsampling,
                )
                computed = len(plan) * plan.input_shape[0] * plan.input_shape[1]
                overhead = computed / args.size**2
                seconds = measure(
                    net,
                    frames,
                    tile=tile,
                    batch_size=batch_size,
                    device=device,
                    repeats=args.repeats,
                )
                mps = frames.size / seconds / 1e6
                label = "whole" if tile is None else str(tile)
                print(
                    f"{name:<12} {label:>8} {batch_size:>8} {len(plan):>8} {overhead:>7.2f}x "
                    f"{seconds:>8.2f} {mps:>8.3f}"
                )
                rows.append(
                    {
                        "network": name,
                        "tile": tile,
                        "batch_size": batch_size,
                        "tiles_per_frame": len(plan),
                        "pixels_computed_per_pixel": overhead,
                        "seconds": seconds,
                        "megapixels_per_second": mps,
                    }
                )
    if args.output:
        meta = {"device": describe_device(device), "torch": torch.__version__, "size": args.size}
        with open(args.output, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
