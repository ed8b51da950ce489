"""Denoising quality on a simulated movie: one frame against five, adapted against not.

The clean movie (a ``temdenoise simulate --movie`` dataset or the demo's ``clean.zarr``)
is scaled to ``--dose`` vacuum counts per pixel and drawn once with Poisson noise
(seeded), optionally spread by a detector point-spread along the rows (``--psf-row``,
pixels: noise correlated between vertical neighbours, as on some cameras). Every model
denoises the whole movie; the baselines are the noisy movie and the Gaussian filter with
the best sigma for this movie (an oracle). Reported, mean over frames: ``psnr_count``,
``psnr_range``, SSIM (``data_range`` max - min of the clean frame), the temporal flicker
(rms error of the frame-to-frame changes, counts/px, lower is better) and seconds per
megapixel. ``--write-noisy`` saves the noisy movie (.npy) for ``temdenoise adapt``;
``--figure`` draws the middle frame of the clean, noisy and every denoised movie (PNG).
``--precision bf16`` runs every network in bf16 (``scripts/stamp_bf16.py`` compares two runs).

    python benchmarks/movies.py --clean MOVIE.zarr [--clean-dose 1] [--dose 0.45]
        [--psf-row 0] [--models bf-unet bf-unet-5f LABEL=FILE ...] [--write-noisy N.npy]
        [--precision fp32|bf16] [--figure F.png] [-o movies.json]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from quality import _best_gaussian  # the same oracle and scores as for still images
from quality import _row as quality_row

from temdenoise.evaluate.metrics import temporal_flicker
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.apply import denoise
from temdenoise.io import open_source
from temdenoise.models.checkpoint import load_model
from temdenoise.noise import NoiseModel, Poisson
from temdenoise.noise.detector import DetectorPSF
from temdenoise.pretrained import resolve_model


def main() -> None:
    """Parse the arguments, run, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", type=Path, required=True, help="clean movie (.zarr)")
    parser.add_argument(
        "--clean-dose",
        type=float,
        default=1.0,
        help="vacuum counts/px of the clean movie as stored",
    )
    parser.add_argument("--dataset", default=None, help="array inside the .zarr (e.g. clean)")
    parser.add_argument("--dose", type=float, default=0.45, help="vacuum counts/px to draw at")
    parser.add_argument("--psf-row", type=float, default=0.0, help="detector spread, rows, px")
    parser.add_argument("--models", nargs="*", default=["bf-unet"], help="names, files, L=FILE")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--write-noisy", type=Path, default=None, help="save the noisy .npy")
    parser.add_argument("--figure", type=Path, default=None, help="PNG of the middle frame")
    parser.add_argument("-o", "--output", type=Path, default=None, help="JSON results")
    args = parser.parse_args()

    with open_source(args.clean, dataset=args.dataset) as source:
        truth = source.read(0, source.shape[0]).astype(np.float32) * (args.dose / args.clean_dose)
    stages = [Poisson()] + ([DetectorPSF(args.psf_row, 0.0)] if args.psf_row > 0 else [])
    noise = NoiseModel(tuple(stages))
    noisy = noise.sample(truth, rng=np.random.default_rng(args.seed)).astype(np.float32)
    if args.write_noisy is not None:
        np.save(args.write_noisy, noisy)
        print(f"wrote {args.write_noisy}")
    device = resolve_device(args.device)
    rows = [_row("noisy input", truth, noisy, 0.0)]
    sigma, smoothed = _best_gaussian(truth, noisy)
    rows.append(_row(f"Gaussian, best sigma {sigma:g} px", truth, smoothed, 0.0))
    _print(rows, header=True)
    described = {}
    shown = {"clean": truth, "noisy": noisy, rows[1]["method"].split(",")[0]: smoothed}
    for spec in args.models:
        label, _, where = spec.rpartition("=")
        model = load_model(resolve_model(where), device=device)
        started = time.perf_counter()
        estimate = denoise(noisy, model, device=device, precision=args.precision)
        seconds = time.perf_counter() - started
        name = label or model.header.name or where
        rows.append(_row(name, truth, estimate, seconds / (noisy.size / 1e6)))
        described[name] = {"path": str(model.path), "weights_sha256": model.header.weights_sha256}
        shown[name] = estimate
        _print(rows[-1:], header=False)
    if args.figure is not None:
        _figure(args.figure, shown, rows)
        print(f"wrote {args.figure}")
    result = {
        "clean": str(args.clean),
        "shape": list(truth.shape),
        "dose": args.dose,
        "noise": noise.to_dict(),
        "seed": args.seed,
        "device": describe_device(device),
        "precision": args.precision,
        "models": described,
        "rows": rows,
    }
    if args.output is not None:
        args.output.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.output}")


def _row(method: str, truth: np.ndarray, estimate: np.ndarray, s_per_mp: float) -> dict[str, Any]:
    """The still-image scores of ``benchmarks/quality.py``, mean over frames, and the flicker."""
    row = quality_row(0.0, method, truth, estimate, s_per_mp)
    del row["dose"]  # one dose per run: in the JSON's top level
    return {**row, "flicker": temporal_flicker(estimate, truth)}


def _figure(path: Path, movies: dict[str, np.ndarray], rows: list[dict[str, Any]]) -> None:
    """The middle frame of every movie side by side, on the clean frame's grey scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    t = next(iter(movies.values())).shape[0] // 2
    clean = movies["clean"][t]
    low, high = np.percentile(clean, [0.5, 99.5])
    scores = {r["method"].split(",")[0]: r for r in rows}
    rows = -(-len(movies) // 5)
    columns = -(-len(movies) // rows)
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.4 * columns, 2.7 * rows), dpi=100, squeeze=False
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (name, movie) in zip(axes.flat, movies.items(), strict=False):
        ax.imshow(movie[t], cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        score = scores.get("noisy input" if name == "noisy" else name)
        ax.set_title(name + (f"\n{score['psnr_count']:.1f} dB" if score else "\n"), fontsize=9)
    fig.tight_layout(h_pad=1.5)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    buffer.seek(0)
    Image.open(buffer).convert("L").save(path, optimize=True)  # grey: a third of the bytes


def _print(rows: list[dict[str, Any]], *, header: bool) -> None:
    if header:
        print(
            f"| {'method':<30} | {'psnr_count':>10} | {'psnr_range':>10} | {'SSIM':>6} "
            f"| {'flicker':>7} | {'s/MP':>6} |"
        )
        print(f"|{'-' * 32}|{'-' * 12}|{'-' * 12}|{'-' * 8}|{'-' * 9}|{'-' * 8}|")
    for r in rows:
        sp = f"{r['seconds_per_megapixel']:.1f}" if r["seconds_per_megapixel"] else "-"
        print(
            f"| {r['method']:<30} | {r['psnr_count']:>10.2f} | {r['psnr_range']:>10.2f} "
            f"| {r['ssim']:>6.3f} | {r['flicker']:>7.4f} | {sp:>6} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
