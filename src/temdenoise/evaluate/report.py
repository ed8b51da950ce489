"""Write an evaluation out: ``metrics.json``, the PNG figures and ``index.html``."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.evaluate.movie import Evaluation
from temdenoise.evaluate.page import render_page

FORMAT = "temdenoise-evaluation"
SCHEMA_VERSION = 1
FIGURES = {
    "comparison": "comparison.png",
    "profiles": "profiles.png",
    "likelihood": "likelihood.png",
    "residual": "residual.png",
    "per_frame": "per_frame.png",
    "spectra": "spectra.png",
}
SLIDER = {"noisy": "frame_noisy.png", "denoised": "frame_denoised.png"}
"""The shown frame, raw and denoised, as plain images for the page's comparison slider."""


def write_report(
    evaluation: Evaluation,
    directory: str | os.PathLike[str],
    *,
    inputs: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> Path:
    """Write ``metrics.json``, the figures (PNG) and ``index.html`` into ``directory``.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`~temdenoise.evaluate.movie.evaluate_movie`.
    directory : path-like
        Created when missing; files of the same names are replaced.
    inputs : dict, optional
        Provenance (input paths, shape, frames), stored under "inputs".
    config : dict, optional
        The stage configuration, stored under "config".

    Returns
    -------
    Path
        The ``index.html``.

    """
    from temdenoise import __version__
    from temdenoise.figures.evaluation import (
        evaluation_comparison_figure,
        evaluation_per_frame_figure,
        evaluation_profile_figure,
        evaluation_residual_figure,
    )
    from temdenoise.figures.images import plain_image
    from temdenoise.figures.likelihood import evaluation_likelihood_figure
    from temdenoise.figures.spectra import evaluation_spectra_figure

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    ev = evaluation
    where = {name: target / file for name, file in FIGURES.items()}
    units = "counts/px"
    panels = [("noisy (raw counts)", ev.noisy), ("denoised", ev.denoised)]
    if ev.clean is not None:
        panels.insert(0, ("clean (ground truth)", ev.clean))
    evaluation_comparison_figure(
        panels,
        where["comparison"],
        pixel_size=ev.pixel_size,
        title=f"frame {ev.frame}: {_comparison_caption(ev.metrics)}",
    )
    evaluation_profile_figure(
        ev.noisy,
        ev.denoised,
        ev.profiles,
        where["profiles"],
        pixel_size=ev.pixel_size,
        snr=ev.metrics["profiles"]["snr"],
    )
    evaluation_likelihood_figure(
        ev.denoised,
        ev.atoms,
        ev.llr,
        where["likelihood"],
        background=ev.background,
        radius=ev.metrics["atoms"]["atom_radius"],
        truth=ev.truth,
    )
    evaluation_residual_figure(ev.residual, where["residual"])
    evaluation_per_frame_figure(ev.per_frame, where["per_frame"])
    evaluation_spectra_figure(ev.noisy, ev.denoised, where["spectra"], pixel_size=ev.pixel_size)
    shared = (float(np.percentile(ev.denoised, 0.5)), float(np.percentile(ev.denoised, 99.5)))
    plain_image(ev.noisy, target / SLIDER["noisy"], limits=shared)
    plain_image(ev.denoised, target / SLIDER["denoised"], limits=shared)
    document = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "units": {
            "images": units,
            "mse": "counts^2",
            "psnr": "dB",
            "llr": "nats",
            "positions": "px (row, column)",
            "pixel_size": "A/px",
        },
        "conventions": {
            "psnr_count": "10 log10(1 / MSE), MSE in counts^2",
            "psnr_range": "10 log10(R^2 / MSE), R = max(clean) - min(clean) per frame",
            "ssim": "Gaussian window sigma 1.5 px, K1 0.01, K2 0.03, data_range R",
            "umse": "mean((f(y) - a)^2) - mean((b - c)^2) / 2, a b c adjacent noisy frames",
            "upsnr_count": "10 log10(1 / uMSE)",
            "llr": "sum over the atom disc of k log(mu / b) - (mu - b)",
        },
        "inputs": inputs or {},
        "pixel_size": ev.pixel_size,
        **ev.metrics,
        "figures": dict(FIGURES),
        "slider": dict(SLIDER),
        "config": config or {},
    }
    (target / "metrics.json").write_text(json.dumps(_jsonable(document), indent=2) + "\n")
    index = target / "index.html"
    index.write_text(render_page(document))
    return index


def _comparison_caption(body: dict[str, Any]) -> str:
    per = body["per_frame"]
    i = per["frame"].index(body["frame_shown"])
    parts = []
    for key, label, unit in (
        ("psnr_count", "PSNR(count)", " dB"),
        ("ssim", "SSIM", ""),
        ("upsnr_count", "uPSNR(count)", " dB"),
    ):
        if key in per:
            parts.append(f"{label} {per[key][i]:.2f}{unit}")
    return ", ".join(parts) or "no ground truth, fewer than 4 frames"


def _jsonable(value: Any) -> Any:
    """Turn NaN and infinities into None and NumPy scalars into Python numbers."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
