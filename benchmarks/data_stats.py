"""Contrast and fineness of simulated training images: does the set span real microscopes?

For every image of the given splits of ``temdenoise simulate`` datasets: the contrast
std/mean (of the expected counts) and the share of the power (mean removed) at periods
under 2.5 A, the two statistics by which independent simulations and real microscopes
(blurrier, lower in contrast) were found to differ from ours. Prints, per dataset, the
number of images and the 5th, 50th and 95th percentiles of both, and the whole range.

    python benchmarks/data_stats.py train-c.zarr val-c.zarr [--split train] [-o stats.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from temdenoise.train.data import read_clean

PERIOD = 2.5
"""Angstrom: power at shorter periods counts as fine detail."""


def image_stats(image: np.ndarray, pixel_size: float) -> tuple[float, float]:
    """Return (std / mean, share of power at periods under :data:`PERIOD`) of one image."""
    mean = float(image.mean())
    contrast = float(image.std() / mean) if mean > 0 else 0.0
    power = np.abs(np.fft.rfft2(image - mean)) ** 2
    fr = np.fft.fftfreq(image.shape[0], d=pixel_size)[:, None]
    fc = np.fft.rfftfreq(image.shape[1], d=pixel_size)[None, :]
    fine = np.hypot(fr, fc) > 1.0 / PERIOD
    total = float(power.sum())
    return contrast, float(power[fine].sum() / total) if total > 0 else 0.0


def main() -> None:
    """Parse the arguments, print one row per dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="+", help="simulated .zarr datasets")
    parser.add_argument("--split", choices=["train", "test", "both"], default="both")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    splits = ["train", "test"] if args.split == "both" else [args.split]
    print(f"| {'dataset':<18} | images | std/mean 5/50/95% (range) | fine power 5/50/95% (range) |")
    print(f"|{'-' * 20}|--------|{'-' * 27}|{'-' * 29}|")
    rows = []
    for path in args.data:
        sets = [s for s in (read_clean(path, split) for split in splits) if s is not None]
        stats = np.array([image_stats(img.numpy(), s.pixel_size) for s in sets for img in s.images])
        row = {"dataset": str(path), "images": len(stats)}
        cells = []
        for i, name in enumerate(("contrast", "fine_power")):
            p5, p50, p95 = np.percentile(stats[:, i], [5, 50, 95])
            lo, hi = stats[:, i].min(), stats[:, i].max()
            row[name] = {"p5": p5, "p50": p50, "p95": p95, "min": lo, "max": hi}
            cells.append(f"{p5:.2f}/{p50:.2f}/{p95:.2f} ({lo:.2f}-{hi:.2f})")
        rows.append(row)
        print(f"| {path.name:<18} | {len(stats):>6} | {cells[0]:<25} | {cells[1]:<27} |")
    if args.output:
        args.output.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
