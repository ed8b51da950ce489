"""JSON-ready summaries of an evaluation: per-frame means, atom columns, line profiles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from temdenoise.evaluate.atom_scores import AtomScores
from temdenoise.evaluate.profiles import LineProfile, profile_snr
from temdenoise.evaluate.umse import upsnr


def summarise_series(series: dict[str, list[float]]) -> dict[str, float]:
    """Mean of each per-frame series; uPSNR from the mean uMSE; standard errors combined."""
    result = {}
    for name, values in series.items():
        if name == "frame" or name.startswith("upsnr"):
            continue
        finite = np.array([v for v in values if math.isfinite(v)])
        if name.endswith("_se"):  # frames' estimates are independent
            result[name] = float(np.sqrt(np.sum(finite**2)) / finite.size)
        else:
            result[name] = float(np.mean(finite)) if finite.size else math.nan
    for name in ("umse", "umse_noisy"):
        if name in result:
            result[name.replace("umse", "upsnr_count")] = upsnr(result[name])
    return result


def atom_summary(
    found: np.ndarray,
    llr: np.ndarray,
    background: float,
    radius: float,
    scores: AtomScores | None,
) -> dict[str, Any]:
    """Atom columns for ``metrics.json``: likelihood ratios, unsupported columns, scores."""
    negative = llr < 0
    return {
        "detected": len(found),
        "background": background,
        "atom_radius": radius,
        "llr_median": float(np.median(llr)) if llr.size else math.nan,
        "llr_min": float(llr.min()) if llr.size else math.nan,
        "unsupported": int(negative.sum()),
        "unsupported_fraction": float(negative.mean()) if llr.size else math.nan,
        "unsupported_positions": [
            [float(r), float(c), float(v)]
            for (r, c), v in zip(found[negative], llr[negative], strict=True)
        ],
        "scores": None if scores is None else scores.summary(),
    }


def profile_summary(
    profiles: dict[str, LineProfile],
    ends: tuple[float, float, float, float],
    width: int,
    pixel_size: float | None,
) -> dict[str, Any]:
    """Line profiles for ``metrics.json``: the line, their SNR (alone and vs clean), values."""
    clean = profiles.get("clean")
    snr = {  # a clean profile has no noise: its curvature would be taken for noise
        name: profile_snr(p.values)
        for name, p in profiles.items()
        if p.values.size >= 5 and name != "clean"
    }
    snr_clean = {}
    if clean is not None:
        snr_clean = {
            name: profile_snr(p.values, reference=clean.values)
            for name, p in profiles.items()
            if name != "clean"
        }
    length = float(profiles["noisy"].distance[-1])
    return {
        "line": list(ends),
        "width": width,
        "reduce": "sum",
        "length_px": length,
        "length_angstrom": None if pixel_size is None else length * pixel_size,
        "snr": snr,
        "snr_vs_clean": snr_clean,
        "values": {name: p.values.tolist() for name, p in profiles.items()},
    }
