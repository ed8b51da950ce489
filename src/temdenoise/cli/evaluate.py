"""The ``temdenoise evaluate`` subcommand: parsing and the verdict around ``run_evaluate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from temdenoise.cli.arguments import add_config, add_frame_range, values

NAMES = (
    "noisy",
    "denoised",
    "clean",
    "output",
    "line",
    "width",
    "frames",
    "frame",
    "max_frames",
    "pixel_size",
    "dataset",
    "denoised_dataset",
    "clean_dataset",
    "polarity",
    "background",
    "noise",
)
"""The options that become the fields of the same name of an ``EvaluateConfig``."""


def register(sub: Any) -> None:
    """Register ``evaluate`` on the subcommand parsers ``sub``."""
    ev = sub.add_parser(
        "evaluate",
        help="metrics and figures for a denoised movie (metrics.json, PNGs, index.html)",
        description="Measure how far a denoised movie can be trusted: PSNR/SSIM against a "
        "clean reference when there is one, uPSNR from adjacent frames without one, the "
        "residual against the noise model, per-atom likelihood ratios and integrated line "
        "profiles. Writes metrics.json, PNG figures and index.html into REPORT_DIR.",
    )
    ev.add_argument("--noisy", type=Path, required=True, help="raw movie (counts)")
    ev.add_argument(
        "--denoised", type=Path, required=True,
        help="denoised movie: same shape, or an output of a --frames range of NOISY",
    )  # fmt: skip
    ev.add_argument("--clean", type=Path, default=None, help="ground truth (same shape or 1 frame)")
    ev.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT_DIR")
    ev.add_argument(
        "--line", type=_line, default=None, metavar="R0,C0,R1,C1", help="profile ends, px"
    )
    ev.add_argument("--width", type=int, default=None, help="profile width, px (2.5 A)")
    add_frame_range(ev)
    ev.add_argument("--frame", type=int, default=None, help="frame shown in the figures")
    ev.add_argument("--max-frames", type=int, default=None, help="most frames evaluated (64)")
    ev.add_argument("--pixel-size", type=float, default=None, help="angstrom per pixel")
    ev.add_argument("--dataset", default=None, help="dataset/array/signal inside NOISY")
    ev.add_argument("--denoised-dataset", default=None, help="dataset/array inside DENOISED")
    ev.add_argument("--clean-dataset", default=None, help="dataset/array inside CLEAN")
    ev.add_argument("--polarity", choices=["bright", "dark"], default=None, help="atom contrast")
    ev.add_argument("--background", type=float, default=None, help="vacuum level, counts/px")
    ev.add_argument(
        "--noise", type=Path, default=None, help="noise.json from fit-noise (default Poisson)"
    )
    add_config(ev, "EvaluateConfig")
    ev.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate as the parsed ``args`` say; print the key numbers and the verdict."""
    from temdenoise.config import EvaluateConfig
    from temdenoise.evaluate.run import run_evaluate

    config = EvaluateConfig.from_arguments(args.config, **values(args, NAMES))
    index = run_evaluate(config)
    body = json.loads((index.parent / "metrics.json").read_text())
    print("\n".join(_evaluation_lines(body)))
    print(f"wrote {index} (metrics.json and figures beside it)")
    return 0


def _evaluation_lines(body: dict[str, Any]) -> list[str]:
    """Format the key numbers of an evaluation and its verdict for the terminal."""
    summary = body.get("summary", {})
    lines = []
    for key, label in (
        ("psnr_count", "psnr_count (dB)"),
        ("ssim", "SSIM"),
        ("upsnr_count", "uPSNR (dB)"),
    ):
        raw, out = summary.get(f"{key}_noisy"), summary.get(key)
        if isinstance(out, float) and isinstance(raw, float):
            lines.append(f"{label:<16} raw {raw:8.3f}   denoised {out:8.3f}")
    residual = body.get("residual") or {}
    if isinstance(residual.get("variance_ratio"), float):
        lines.append(f"{'residual var.':<16} {residual['variance_ratio']:.3g} x the noise model's")
    lines.append("verdict:")
    marks = {"problem": "PROBLEM", "warning": "warning", "good": "ok"}
    lines += [f"  [{marks[f['level']]}] {f['text']}" for f in body.get("verdict", [])]
    return lines


def _line(text: str) -> tuple[float, float, float, float]:
    try:
        r0, c0, r1, c1 = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected R0,C0,R1,C1 in px (e.g. 100,20,100,400), got {text!r}"
        ) from None
    return (r0, c0, r1, c1)
