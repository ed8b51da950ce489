"""Write the Markdown model card of a trained model from its file and measured results.

Everything on the card is read from the model file's header (training provenance), the
datasets it names (their simulation configs) and the JSON that ``benchmarks/quality.py``
(held-out still images) or ``benchmarks/movies.py`` (simulated movies) wrote; the prose
sections come from ``--notes`` (a Markdown file).

    python scripts/model_card.py MODEL.safetensors [--quality quality.json ...]
        [--movies movies.json ...] --command "python benchmarks/..." [--notes notes.md]
        -o NAME.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import zarr

from temdenoise.infer.device import BF16_TOLERANCE_DB
from temdenoise.models.checkpoint import load_model


def main() -> None:
    """Parse the arguments, run, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--quality", type=Path, nargs="*", default=[], help="quality JSONs")
    parser.add_argument("--movies", type=Path, nargs="*", default=[], help="movies.py JSONs")
    parser.add_argument(
        "--command", nargs="+", required=True, help="the commands that wrote --quality"
    )
    parser.add_argument("--notes", type=Path, default=None)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    loaded = load_model(args.model)
    h = loaded.header
    t = h.training
    net = loaded.network
    params = sum(p.numel() for p in net.parameters())
    if not args.quality and not args.movies:
        parser.error("give --quality or --movies")
    lines = [
        f"# {h.name}",
        "",
        h.description,
        "",
        "```",
        f"temdenoise denoise movie.dm4 --model {h.name} -o denoised.zarr",
        "```",
        "",
        "## Network",
        "",
        f"- `{h.arch}` with {json.dumps(h.arch_params)}: {params:,} parameters, bias-free "
        f"(positively homogeneous: f(a x) = a f(x)), receptive radius {net.receptive_radius} px "
        f"({net.receptive_radius * h.pixel_size:.0f} A at {h.pixel_size} A/px).",
        f"- Weights stored as {h.weights_dtype}: {args.model.stat().st_size / 1e6:.1f} MB; "
        f"SHA-256 of the weights `{h.weights_sha256[:16]}...`; temdenoise {h.package_version}, "
        f"torch {t.get('torch')}.",
        f"- Nominal pixel size {h.pixel_size} A/px; trained over "
        f"{_range(t['augment']['pixel_size_range'])} A/px and "
        f"{_range(h.dose_range)} counts per pixel per frame "
        f"({_range([d / h.pixel_size**2 for d in h.dose_range])} e/A^2 at {h.pixel_size} A/px; "
        "finer data are binned onto the trained pixel sizes by area before denoising).",
        _bf16(h.bf16_cost_db, "the movie below" if args.movies else "the held-out test set"),
        "",
        "## Training data",
        "",
        "Clean multislice images from `temdenoise simulate` (abTEM, 300 kV unless noted), "
        "Pt nanoparticles (4 shapes, 5 surface-defect types) on CeO2, no noise:",
        "",
        "| dataset | images (train + validation) | px | A/px | Cs (um) | defocus -C10 (nm) "
        "| focal spread (nm) | tilt max (deg) | support (nm) | particle (nm) | MTF |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += _data_rows(t)
    a = t["augment"]
    lines += [
        "",
        f"Augmentation: patches resampled to a pixel size drawn log-uniformly over "
        f"{_range(a['pixel_size_range'])} A/px (zoom), turned by up to {a['rotation_max']:g} "
        "degrees, flipped and turned by quarter turns. Noise drawn fresh every step: "
        + (
            f"Poisson at a dose drawn log-uniformly over {_range(t['doses'])} counts/px per "
            "patch (blind)."
            if h.noise_model and h.noise_model["stages"][0]["kind"] == "poisson"
            else f"the fitted noise model at {_range(t['doses'])} counts/px."
        ),
        *_frames_and_init(t),
        "",
        "## Training",
        "",
        f"- {t['steps']:,} steps of {t['batch_size']} patches of {t['patch_size']} x "
        f"{t['patch_size']} px (planned {t['steps_planned']:,}"
        + ("; stopped at the time limit" if t["stopped_early"] else "")
        + f"), loss: {t['loss']}.",
        f"- Adam, learning rate {t['optimizer']['lr']:g}, x{t['optimizer']['plateau_factor']:g} "
        f"after {t['optimizer']['plateau_patience']} validations without improvement.",
        f"- Device: {t['device']}, {t.get('precision', 'fp32')}; wall time "
        f"{t['wall_seconds'] / 60:.0f} min; seed {t['seed']}.",
        f"- Weights of the best validation (step {t['best_step']:,}): psnr_count "
        f"{t['best_validation']['psnr_count']:.2f} dB, SSIM {t['best_validation']['ssim']:.3f} "
        "on the central crops of the validation images at "
        f"{', '.join(f'{d:g}' for d in t['config'].get('val_doses') or [0.45])} counts/px.",
        *_history(t),
        "",
    ]
    lines += _quality(args.quality, args.command, h.name) + _movies(args.movies, args.command)
    if args.notes is not None:
        lines += ["", args.notes.read_text().strip()]
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


def _bf16(cost: float | None, measured_on: str) -> str:
    if cost is None:
        return "- bf16: cost not measured; `--precision auto` runs it in fp32."
    where = "bf16 on a GPU or a native-bf16 CPU" if cost < BF16_TOLERANCE_DB else "fp32"
    return (
        f"- bf16: {cost:.3f} dB psnr_count below fp32 on {measured_on} (its command run with "
        f"`--precision fp32` and `bf16`, then `scripts/stamp_bf16.py`); `--precision auto` "
        f"(the default) runs it in {where}."
    )


def _history(t: dict[str, Any]) -> list[str]:
    history = t.get("history") or []
    if len(history) < 2:
        return []
    lines = [
        "",
        "Every run behind these weights, oldest first (each continued from the one before):",
        "",
    ]
    lines += ["| run | steps | patches per step | images | device | precision | wall time (min) |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for i, h in enumerate(history, 1):
        minutes = f"{h['wall_seconds'] / 60:.0f}" if h.get("wall_seconds") is not None else "-"
        lines.append(
            f"| {i} | {h['steps']:,} | {h.get('batch_size') or '-'} | {h['images']} "
            f"| {h['device']} | {h['precision']} | {minutes} |"
        )
    steps = sum(h["steps"] or 0 for h in history)
    minutes = sum(h.get("wall_seconds") or 0 for h in history) / 60
    lines += ["", f"In all: {steps:,} steps, {minutes:.0f} minutes of training."]
    return lines


def _data_rows(t: dict[str, Any]) -> list[str]:
    """One table row per dataset of images; one per run of movies alike but for seed and motion."""
    validation = {Path(v["path"]).name: v["images"] for v in t["validation"]}
    rows: list[tuple[str, list[dict[str, Any]], list[str]]] = []  # (row key, configs, names)
    for d in t["data"]:
        c = dict(zarr.open_group(d["path"], mode="r").attrs["config"])
        name = Path(d["path"]).name
        key = (
            f"| {c['size']} | {c['pixel_size']} | {c['cs'] / 1e4:g} "
            f"| {_range([v / 10 for v in c['defocus_range']])} "
            f"| {_range([v / 10 for v in c['focal_spread_range']])} | {c['tilt_max']:g} "
            f"| {_range([v / 10 for v in c['support_thickness_range']])} "
            f"| {_range([v / 10 for v in c['diameter_range']])} "
            f"| {c['mtf'] or 'none'} |"
        )
        c["_images"] = d["images"]
        c["_movie"] = d.get("kind") == "movie"
        if c["_movie"] and rows and rows[-1][1][0]["_movie"] and rows[-1][0] == key:
            rows[-1][1].append(c)
            rows[-1][2].append(name)
        else:
            rows.append((key, [c], [name]))
    lines = []
    for key, configs, names in rows:
        c = configs[0]
        if not c["_movie"]:
            lines.append(
                f"| `{names[0]}` (seed {c['seed']}) | {c['_images']} + "
                f"{validation.get(names[0], 0)} {key}"
            )
            continue
        frames = sum(x["_images"] for x in configs)
        seeds = _seed_runs([x["seed"] for x in configs])
        lines.append(
            f"| {len(configs)} movies `{names[0]}`...`{names[-1]}` (seeds {seeds}) "
            f"| {frames} frames + 0 {key}"
        )
    movies = [x for _, configs, _ in rows for x in configs if x["_movie"]]
    if movies:
        lines += [
            "",
            f"The movies: drift {_span([x['movie_drift'] for x in movies])} A/frame, "
            f"{_span([x['movie_events'] for x in movies])} surface events per frame, "
            f"defocus drift {_span([x['movie_defocus_drift'] for x in movies])} A/frame, "
            f"rotation {_span([x['movie_rotation'] for x in movies])} degrees per frame.",
        ]
    return lines


def _frames_and_init(t: dict[str, Any]) -> list[str]:
    lines = []
    frames = t["augment"].get("frames", 1)
    if frames > 1:
        lines += [
            "",
            f"The network takes {frames} consecutive frames and denoises the middle one. A "
            f"training window is one patch cut {frames} times along a drift of random "
            f"direction and speed up to {t['augment']['drift_px_per_frame']:g} px per frame "
            "plus a random walk of 0.25 px per frame, with independent noise in each frame."
            + (
                " A window from a simulated movie is instead consecutive frames, moving as "
                "the movie does."
                if any(d.get("kind") == "movie" for d in t["data"])
                else ""
            ),
        ]
    if t.get("init"):
        init = t["init"]
        spread = (
            ", its input weights on the middle frame and the other frames' at zero (at step 0"
            " it was that model)."
            if t.get("config", {}).get("init_frames") == "middle"
            else ", its input layer spread evenly over the frames."
        )
        lines += [
            "",
            f"Started from `{init['name'] or init['path']}` (weights SHA-256 "
            f"`{init['weights_sha256'][:16]}...`)"
            + (spread if frames > 1 and init.get("in_frames", 1) == 1 else "."),
        ]
    return lines


def _quality(paths: list[Path], commands: list[str], name: str) -> list[str]:
    if not paths:
        return []
    runs = [json.loads(p.read_text()) for p in paths]
    quality = runs[0]
    rows = _merge([r["rows"] for r in runs])
    lines = [
        "## Quality on the held-out test set",
        "",
        f"{quality['images']} images of {quality['image_shape'][0]} x {quality['image_shape'][1]}"
        f" px at {quality['pixel_size']} A/px (`{Path(quality['data']).name}`, test split, "
        "never seen in training or validation), one Poisson draw per image and dose; "
        f"{quality['device']}. Printed by:",
        "",
        "```",
        *commands,
        "```",
        "",
        "| dose (counts/px) | A/px | e/A^2 | method | psnr_count (dB) | psnr_range (dB) | SSIM |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        method = f"**{r['method']}**" if r["method"] == name else r["method"]
        pixel = r.get("pixel_size") or quality["pixel_size"]
        lines.append(
            f"| {r['dose']:g} | {pixel:g} | {r['dose'] / pixel**2:.3g} | {method} "
            f"| {r['psnr_count']:.2f} | {_num(r['psnr_range'])} | {_num(r['ssim'], 3)} |"
        )
    return lines


def _movies(paths: list[Path], commands: list[str]) -> list[str]:
    if not paths:
        return []
    lines = [
        "",
        "## Quality on simulated movies",
        "",
        "Each clean movie drawn once with Poisson noise (seeded), optionally spread by a "
        "detector point-spread along the rows; mean over frames; flicker is the rms error of "
        "the frame-to-frame changes (counts/px, lower is better). Printed by:",
        "",
        "```",
        *commands,
        "```",
    ]
    for path in paths:
        run = json.loads(path.read_text())
        stages = ", ".join(
            s["kind"] + ("" if s["kind"] == "poisson" else f" {s['sigma_row']:g} px along rows")
            for s in run["noise"]["stages"]
        )
        frames, rows, columns = run["shape"]
        lines += [
            "",
            f"`{Path(run['clean']).name}`: {frames} frames of {rows} x {columns} px at "
            f"{run['dose']:g} counts/px, noise: {stages}; {run['device']}.",
            "",
            "| method | psnr_count (dB) | psnr_range (dB) | SSIM | flicker |",
            "|---|---|---|---|---|",
        ]
        for r in run["rows"]:
            lines.append(
                f"| {r['method']} | {r['psnr_count']:.2f} | {r['psnr_range']:.2f} "
                f"| {r['ssim']:.3f} | {r['flicker']:.4f} |"
            )
    return lines


def _merge(tables: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of several runs on the same images and draws, by dose, each method once."""
    seen: dict[tuple[float, float | None, str], dict[str, Any]] = {}
    for table in tables:
        for row in table:
            seen.setdefault((row["dose"], row.get("pixel_size"), row["method"]), row)
    return sorted(seen.values(), key=lambda r: (-(r.get("pixel_size") or 1.0), r["dose"]))


def _seed_runs(seeds: list[int]) -> str:
    """Seeds as consecutive runs: [500, 501, 502, 510] -> "500-502, 510"."""
    runs: list[list[int]] = []
    for seed in sorted(seeds):
        if runs and seed == runs[-1][-1] + 1:
            runs[-1].append(seed)
        else:
            runs.append([seed])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)


def _span(values: list[float]) -> str:
    return _range([min(values), max(values)])


def _range(values: Any) -> str:
    low, high = values
    if low == high:
        return f"{low:g}"
    return f"{low:g} to {high:g}" if min(low, high) < 0 else f"{low:g}-{high:g}"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
