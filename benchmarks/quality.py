"""Denoising quality on held-out simulated images: shipped models against simple baselines.

For every image of the test split of a dataset written by ``temdenoise simulate`` and
every dose, one Poisson draw (seeded by image and dose) is denoised by each model; the
baselines are the noisy input and a Gaussian filter whose sigma is the best for that
dose on this very set (an oracle, which flatters it). Reported per dose and method: mean
``psnr_count`` (peak one count), ``psnr_range`` (peak max - min of the clean image) and
SSIM (``data_range`` max - min of the clean image), in counts per pixel, and seconds
per megapixel. Images without contrast (vacuum) count for psnr_count only.

    python benchmarks/quality.py --data test.zarr [--models seed-dncnn bf-unet]
        [--doses 0.1 0.45 1 5] [--images 20] [-o quality.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from temdenoise.evaluate.metrics import psnr_count, psnr_range, ssim
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.apply import denoise
from temdenoise.models.checkpoint import LoadedModel, load_model
from temdenoise.pretrained import resolve_model
from temdenoise.train.data import read_clean

SIGMAS = (0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 24.0, 32.0)


def main() -> None:
    """Parse the arguments, run, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="simulated .zarr (test split)")
    parser.add_argument("--models", nargs="*", default=["seed-dncnn", "bf-unet"])
    parser.add_argument("--doses", type=float, nargs="+", default=[0.1, 0.45, 1.0, 5.0])
    parser.add_argument("--images", type=int, default=20, help="at most this many test images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None)
    parser.add_argument("-o", "--output", type=Path, default=None, help="JSON results")
    args = parser.parse_args()

    test = read_clean(args.data, "test")
    if test is None:
        raise SystemExit(f"{args.data}: no test split")
    clean = test.images.numpy()[: args.images]  # vacuum = 1
    device = resolve_device(args.device)
    models = {name: load_model(resolve_model(name), device=device) for name in args.models}
    rows: list[dict[str, Any]] = []
    for d_index, dose in enumerate(args.doses):
        truth = clean * np.float32(dose)
        rng = np.random.default_rng([args.seed, d_index])
        noisy = rng.poisson(truth).astype(np.float32)
        rows.append(_row(dose, "noisy input", truth, noisy, 0.0))
        sigma, smoothed = _best_gaussian(truth, noisy)
        rows.append(_row(dose, f"Gaussian, best sigma {sigma:g} px", truth, smoothed, 0.0))
        for name, model in models.items():
            started = time.perf_counter()
            estimate = denoise(noisy, model, device=device)
            seconds = time.perf_counter() - started
            rows.append(_row(dose, name, truth, estimate, seconds / (noisy.size / 1e6)))
        _print(rows[-(2 + len(models)) :], header=d_index == 0)
    result = {
        "data": str(args.data),
        "images": int(clean.shape[0]),
        "image_shape": list(clean.shape[1:]),
        "pixel_size": test.pixel_size,
        "fingerprint": test.fingerprint,
        "device": describe_device(device),
        "models": {name: _describe(m) for name, m in models.items()},
        "rows": rows,
    }
    if args.output is not None:
        args.output.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.output}")


def _best_gaussian(truth: np.ndarray, noisy: np.ndarray) -> tuple[float, np.ndarray]:
    best: tuple[float, float, np.ndarray] | None = None
    for sigma in SIGMAS:
        smoothed = ndimage.gaussian_filter(noisy, (0, sigma, sigma), mode="reflect")
        score = float(np.mean([psnr_count(t, s) for t, s in zip(truth, smoothed, strict=True)]))
        if best is None or score > best[0]:
            best = (score, sigma, smoothed)
    assert best is not None
    return best[1], best[2]


def _row(
    dose: float, method: str, truth: np.ndarray, estimate: np.ndarray, s_per_mp: float
) -> dict[str, Any]:
    counts, ranges, ssims = [], [], []
    for t, e in zip(truth, estimate, strict=True):
        counts.append(psnr_count(t, e))
        span = float(t.max() - t.min())
        if span > 0:
            ranges.append(psnr_range(t, e))
            ssims.append(ssim(t, e, data_range=span))
    return {
        "dose": dose,
        "method": method,
        "psnr_count": float(np.mean(counts)),
        "psnr_range": float(np.mean(ranges)) if ranges else None,
        "ssim": float(np.mean(ssims)) if ssims else None,
        "images_with_contrast": len(ranges),
        "seconds_per_megapixel": round(s_per_mp, 3),
    }


def _describe(model: LoadedModel) -> dict[str, Any]:
    h = model.header
    return {
        "path": str(model.path),
        "arch": h.arch,
        "arch_params": h.arch_params,
        "steps": h.training.get("steps"),
        "weights_sha256": h.weights_sha256,
    }


def _print(rows: list[dict[str, Any]], *, header: bool) -> None:
    if header:
        print(
            f"| {'dose':>5} | {'method':<28} | {'psnr_count':>10} | {'psnr_range':>10} "
            f"| {'SSIM':>6} | {'s/MP':>6} |"
        )
        print(f"|{'-' * 7}|{'-' * 30}|{'-' * 12}|{'-' * 12}|{'-' * 8}|{'-' * 8}|")
    for r in rows:
        rng = f"{r['psnr_range']:.2f}" if r["psnr_range"] is not None else "-"
        ss = f"{r['ssim']:.3f}" if r["ssim"] is not None else "-"
        sp = f"{r['seconds_per_megapixel']:.1f}" if r["seconds_per_megapixel"] else "-"
        print(
            f"| {r['dose']:>5g} | {r['method']:<28} | {r['psnr_count']:>10.2f} | {rng:>10} "
            f"| {ss:>6} | {sp:>6} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
