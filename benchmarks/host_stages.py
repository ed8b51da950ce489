"""Where the host's time goes in `temdenoise denoise`, file to file, stage by stage.

Runs the real job (``run_denoise``) on a synthetic movie (0.45 counts/px, uint16 NPY) with a
network of one channel and two layers, so that what is left is what surrounds any network:
reading a block, binning it onto the model grid (with ``--detector-pixel-size``), the
denoising call (tiling, batching, count conservation and the copies to and from the device),
enlarging back and writing the compressed Zarr output. Each stage is timed where it runs:
reading and binning in the reader thread, enlarging and writing in the writer thread, the
rest in the main thread; the three overlap, so the slowest thread bounds the job. Prints,
per stage, seconds per frame and the megapixels per second of input frames that stage alone
would allow. The first run (start-up, first calls) is discarded: two runs, the second timed.

    python benchmarks/host_stages.py [--size 2048] [--frames 8] [--block-frames 2]
        [--detector-pixel-size 0.05] [--device cuda] [-o out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

import temdenoise.infer.stream as stream
from temdenoise.config import DenoiseConfig
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.job import run_denoise
from temdenoise.io.staging import Staging
from temdenoise.models import BFDnCNN
from temdenoise.models.checkpoint import save_model

STAGES = {
    "read_block": "read (reader thread)",
    "to_model_grid": "bin to the grid (reader thread)",
    "denoise_windows": "denoise call, tiny network (main thread)",
    "to_data_grid": "enlarge back (writer thread)",
    "write": "compress and write (writer thread)",
}


def timed(function: Callable[..., Any], seconds: dict[str, float], name: str) -> Any:
    """Wrap ``function`` so that its calls add their wall time to ``seconds[name]``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start

    return call


def run(args: argparse.Namespace, workdir: Path, output: str) -> float:
    """One job into ``output``; returns its wall time (the wrapped stages time themselves)."""
    config = DenoiseConfig(
        input=workdir / "movie.npy",
        output=workdir / output,
        model=str(workdir / "tiny.safetensors"),
        pixel_size=args.detector_pixel_size,
        device=args.device,
        block_frames=args.block_frames,
        overwrite=True,
    )
    start = time.perf_counter()
    run_denoise(config)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--block-frames", type=int, default=2)
    parser.add_argument("--detector-pixel-size", type=float, default=None, metavar="A")
    parser.add_argument("--device", default=None)
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args()
    device = resolve_device(args.device)
    args.device = device.type
    grid = "" if args.detector_pixel_size is None else f", {args.detector_pixel_size} A/px"
    print(f"device: {describe_device(device)}; {args.frames} frames of {args.size}^2{grid}")
    seconds: dict[str, float] = {}
    originals = {name: getattr(stream, name) for name in STAGES if name != "write"}
    write = Staging.write
    for name, function in originals.items():
        setattr(stream, name, timed(function, seconds, name))
    Staging.write = timed(write, seconds, "write")  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            counts = np.random.default_rng(0).poisson(0.45, (args.frames, args.size, args.size))
            np.save(workdir / "movie.npy", counts.astype(np.uint16))
            model = BFDnCNN(depth=2, width=1)
            training = {"augment": {"pixel_size_range": [0.15, 0.4]}}  # as shipped
            save_model(
                workdir / "tiny.safetensors",
                model,
                pixel_size=0.25,
                dose_range=(0.5, 60.0),
                training=training,
            )
            run(args, workdir, "first.zarr")  # start-up and first calls
            seconds.clear()
            wall = run(args, workdir, "timed.zarr")
    finally:
        for name, function in originals.items():
            setattr(stream, name, function)
        Staging.write = write  # type: ignore[method-assign]
    pixels = args.frames * args.size**2
    print(f"{'stage':<42} {'s/frame':>8} {'input MP/s alone':>17}")
    rows = []
    for name, label in STAGES.items():
        spent = seconds.get(name, 0.0)
        rate = pixels / spent / 1e6 if spent > 0 else float("inf")
        print(f"{label:<42} {spent / args.frames:>8.3f} {rate:>17.1f}")
        rows.append({"stage": name, "seconds_per_frame": spent / args.frames, "input_mps": rate})
    print(f"{'the whole job':<42} {wall / args.frames:>8.3f} {pixels / wall / 1e6:>17.1f}")
    if args.output:
        body = {
            "device": describe_device(device),
            "torch": torch.__version__,
            "size": args.size,
            "frames": args.frames,
            "block_frames": args.block_frames,
            "detector_pixel_size": args.detector_pixel_size,
            "stages": rows,
            "job_seconds_per_frame": wall / args.frames,
            "job_input_mps": pixels / wall / 1e6,
        }
        Path(args.output).write_text(json.dumps(body, indent=2))


if __name__ == "__main__":
    main()
