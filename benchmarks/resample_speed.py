"""Speed of count-conserving binning and enlarging against the number of host threads.

Times ``bin_frames`` (detector grid -> model grid) and ``enlarge_frames`` (back) on a
synthetic movie in the seed's regime (Poisson counts at 0.45 per pixel, uint16) for each
thread count, and prints input megapixels per second. Frames whose side is not a multiple
of the factor (4096 / 5) take the binomial split, the common case on real detectors; a
multiple takes the plain block sum. Each figure is the best of ``--repeats`` runs after
one warm-up (this machine is shared).

    python benchmarks/resample_speed.py [--size 4096] [--frames 8] [--factor 5]
        [--workers 1 2 4] [--repeats 2] [-o out.json]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
from pathlib import Path

import numpy as np

from temdenoise.infer.resample import bin_frames, binned_shape, enlarge_frames


def best_seconds(function, repeats: int) -> float:
    """Fastest of ``repeats`` timed calls of ``function`` after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--factor", type=float, default=5.0, help="detector px per model px")
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    workers = args.workers or sorted({1, 2, cores // 2 or 1, cores})
    movie = np.random.default_rng(0).poisson(0.45, (args.frames, args.size, args.size))
    movie = movie.astype(np.uint16)
    shape = binned_shape(movie.shape[1:], 1 / args.factor)
    binned = bin_frames(movie, shape)
    path = "block sum" if args.size % shape[0] == 0 else "binomial split"
    print(
        f"{args.frames} frames of {args.size}^2 -> {shape[0]}^2 ({path}); {cores} cores; "
        "input MP/s (best of repeats)"
    )
    print(f"{'threads':>7} {'bin MP/s':>9} {'enlarge MP/s':>13}")
    pixels = movie.size / 1e6
    size = movie.shape[1:]
    rows = []
    for n in workers:
        binning = functools.partial(bin_frames, movie, shape, workers=n)
        enlarging = functools.partial(enlarge_frames, binned, size, workers=n)
        bin_mps = pixels / best_seconds(binning, args.repeats)
        enlarge_mps = pixels / best_seconds(enlarging, args.repeats)
        print(f"{n:>7} {bin_mps:>9.1f} {enlarge_mps:>13.1f}")
        rows.append({"threads": n, "bin_input_mps": bin_mps, "enlarge_input_mps": enlarge_mps})
    if args.output:
        body = {"size": args.size, "frames": args.frames, "factor": args.factor, "cores": cores}
        Path(args.output).write_text(json.dumps({**body, "path": path, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
