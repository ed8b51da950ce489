"""Denoising quality on held-out simulated images: shipped models against simple baselines.

For every image of the test split of a dataset written by ``temdenoise simulate`` and
every dose, one Poisson draw (seeded by image and dose) is denoised by each model; the
baselines are the noisy input and a Gaussian filter whose sigma is the best for that
dose on this very set (an oracle, which flatters it). Reported per dose and method: mean
``psnr_count`` (peak one count), ``psnr_range`` (peak max - min of the clean image) and
SSIM (``data_range`` max - min of the clean image), in counts per pixel, and seconds
per megapixel. Images without contrast (vacuum) count for psnr_count only. Every row
gives the dose both in counts per pixel and in electrons per square angstrom.

With ``--detector-pixel-size A`` the images are scored in a user's regime instead: each
clean image (on the model grid) is enlarged to a detector of A angstrom per pixel (the
count-conserving enlargement of ``temdenoise.infer.resample``), drawn with Poisson noise at
each dose in counts per *detector* pixel, written to a file and denoised by ``temdenoise
denoise --pixel-size A`` (which bins it to the model's grid and enlarges the result back),
and scored at the detector's resolution; the Gaussian's sigmas scale with the sampling.
The seed's regime is ``--detector-pixel-size 0.05 --doses 0.45`` (180 e/A^2).

    python benchmarks/quality.py --data test.zarr [--models seed-dncnn bf-unet]
        [--doses 0.1 0.45 1 5] [--images 20] [--detector-pixel-size 0.05] [-o quality.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.evaluate.metrics import psnr_count, psnr_range, ssim
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.apply import denoise
from temdenoise.infer.resample import enlarge_frames
from temdenoise.io import open_source
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
    parser.add_argument(
        "--detector-pixel-size",
        type=float,
        default=None,
        metavar="A",
        help="score on a detector of A angstrom/px, denoised through the CLI (seed's: 0.05)",
    )
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument(
        "--figure", type=Path, default=None, help="PNG: a crop of one image at the first dose"
    )
    parser.add_argument("-o", "--output", type=Path, default=None, help="JSON results")
    args = parser.parse_args()

    test = read_clean(args.data, "test")
    if test is None:
        raise SystemExit(f"{args.data}: no test split")
    clean = test.images.numpy()[: args.images]  # vacuum = 1
    device = resolve_device(args.device)
    models = {name: load_model(resolve_model(name), device=device) for name in args.models}
    detector = args.detector_pixel_size
    scale = 1.0 if detector is None else test.pixel_size / detector
    side = round(clean.shape[1] * scale)
    rows: list[dict[str, Any]] = []
    for d_index, dose in enumerate(args.doses):
        truth = expected_counts(clean, dose, side)
        pixel_size = detector or test.pixel_size
        rng = np.random.default_rng([args.seed, d_index])
        noisy = rng.poisson(truth).astype(np.float32)
        rows.append(_row(dose, "noisy input", truth, noisy, 0.0, pixel_size=pixel_size))
        sigma, smoothed = _best_gaussian(truth, noisy, scale)
        method = f"Gaussian, best sigma {sigma:g} px"
        rows.append(_row(dose, method, truth, smoothed, 0.0, pixel_size=pixel_size))
        shown: dict[str, np.ndarray] = {}
        for name, model in models.items():
            started = time.perf_counter()
            if detector is None:
                estimate = denoise(noisy, model, device=device, precision=args.precision)
            else:
                estimate = _denoise_file(noisy, name, detector, args.device, args.precision)
            seconds = time.perf_counter() - started
            s_per_mp = seconds / (noisy.size / 1e6)
            rows.append(_row(dose, name, truth, estimate, s_per_mp, pixel_size=pixel_size))
            shown[name] = estimate
        _print(rows[-(2 + len(models)) :], header=d_index == 0)
        if args.figure is not None and d_index == 0:
            _figure(args.figure, truth, noisy, smoothed, sigma, shown, dose, pixel_size)
    result = {
        "data": str(args.data),
        "images": int(clean.shape[0]),
        "image_shape": list(clean.shape[1:]),
        "pixel_size": test.pixel_size,
        "detector_pixel_size": detector,
        "scored_shape": [side, side],
        "fingerprint": test.fingerprint,
        "device": describe_device(device),
        "precision": args.precision,
        "models": {name: _describe(m) for name, m in models.items()},
        "rows": rows,
    }
    if args.output is not None:
        args.output.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.output}")


def expected_counts(clean: np.ndarray, dose: float, side: int) -> np.ndarray:
    """Expected counts per scored pixel of ``clean`` (vacuum = 1) on a ``side``-px grid.

    Vacuum holds ``dose`` counts per scored pixel. A ``side`` larger than the images
    enlarges them (count-conserving, as ``temdenoise.infer.resample``) onto a detector
    that finely: the same electrons per area, spread over more pixels.
    """
    if side == clean.shape[1]:
        return clean * np.float32(dose)
    per_model_pixel = clean * np.float32(dose * (side / clean.shape[1]) ** 2)
    return np.maximum(enlarge_frames(per_model_pixel, (side, side)), np.float32(0))


def _figure(
    path: Path,
    truth: np.ndarray,
    noisy: np.ndarray,
    smoothed: np.ndarray,
    sigma: float,
    estimates: dict[str, np.ndarray],
    dose: float,
    pixel_size: float,
) -> None:
    """Crop of 32 A square of the image with the most contrast: truth, noisy, each method."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
    from figure import crop_figure

    index = int(np.argmax([t.std() / t.mean() for t in truth]))
    side = min(round(32 / pixel_size), truth.shape[1])
    r0, c0 = (truth.shape[1] - side) // 2, (truth.shape[2] - side) // 2
    window = (slice(r0, r0 + side), slice(c0, c0 + side))
    images: dict[str, tuple[np.ndarray, float | None]] = {
        "clean": (truth[index], None),
        "noisy": (noisy[index], psnr_count(truth[index], noisy[index])),
        f"Gaussian {sigma:g} px": (smoothed[index], psnr_count(truth[index], smoothed[index])),
    }
    for name, estimate in estimates.items():
        images[name] = (estimate[index], psnr_count(truth[index], estimate[index]))
    crop_figure(path, images, window, dose=dose)
    print(f"wrote {path} (test image {index}, {side} x {side} px at {pixel_size:g} A/px)")


def _denoise_file(
    noisy: np.ndarray, model: str, pixel_size: float, device: str | None, precision: str
) -> np.ndarray:
    """Denoise ``noisy`` as a user would: a TIFF stack through ``temdenoise denoise``."""
    import tifffile

    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "noisy.tif", Path(tmp) / "denoised.zarr"
        tifffile.imwrite(source, noisy.astype(np.uint16), imagej=True)
        command = [sys.executable, "-m", "temdenoise", "denoise", str(source), "-o", str(output)]
        command += ["--model", model, "--pixel-size", str(pixel_size), "--precision", precision]
        command += ["--device", device] if device else []
        subprocess.run(command, check=True, capture_output=True, text=True)
        with open_source(output) as denoised:
            return np.asarray(denoised.read(0, denoised.shape[0]), dtype=np.float32)


def _best_gaussian(
    truth: np.ndarray, noisy: np.ndarray, scale: float = 1.0
) -> tuple[float, np.ndarray]:
    """The Gaussian filter of :data:`SIGMAS` (times ``scale``) best for this very set.

    Filtered in the DCT-II domain, where a Gaussian with mirror ("reflect") boundaries is a
    product: exact, and its cost does not grow with sigma (detector-sized frames need
    sigmas of tens of pixels).
    """
    from scipy import fft

    spectra = fft.dctn(noisy.astype(np.float64), type=2, axes=(1, 2), workers=-1)
    freq = [np.arange(n) / (2.0 * n) for n in noisy.shape[1:]]  # cycles per pixel
    squared = freq[0][:, None] ** 2 + freq[1][None, :] ** 2
    best: tuple[float, float, np.ndarray] | None = None
    for sigma in (s * scale for s in SIGMAS):
        gain = np.exp(-2.0 * np.pi**2 * sigma**2 * squared)
        smoothed = fft.idctn(spectra * gain, type=2, axes=(1, 2), workers=-1).astype(np.float32)
        score = float(np.mean([psnr_count(t, s) for t, s in zip(truth, smoothed, strict=True)]))
        if best is None or score > best[0]:
            best = (score, sigma, smoothed)
    assert best is not None
    return best[1], best[2]


def _row(
    dose: float,
    method: str,
    truth: np.ndarray,
    estimate: np.ndarray,
    s_per_mp: float,
    *,
    pixel_size: float | None = None,
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
        "pixel_size": pixel_size,
        "electrons_per_A2": None if pixel_size is None else dose / pixel_size**2,
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
            f"| {'counts/px':>9} | {'A/px':>6} | {'e/A^2':>6} | {'method':<28} | "
            f"{'psnr_count':>10} | {'psnr_range':>10} | {'SSIM':>6} | {'s/MP':>6} |"
        )
        print(
            f"|{'-' * 11}|{'-' * 8}|{'-' * 8}|{'-' * 30}|{'-' * 12}|{'-' * 12}|{'-' * 8}|{'-' * 8}|"
        )
    for r in rows:
        rng = f"{r['psnr_range']:.2f}" if r["psnr_range"] is not None else "-"
        ss = f"{r['ssim']:.3f}" if r["ssim"] is not None else "-"
        sp = f"{r['seconds_per_megapixel']:.1f}" if r["seconds_per_megapixel"] else "-"
        print(
            f"| {r['dose']:>9g} | {r['pixel_size']:>6g} | {r['electrons_per_A2']:>6.3g} | "
            f"{r['method']:<28} | {r['psnr_count']:>10.2f} | {rng:>10} | {ss:>6} | {sp:>6} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
