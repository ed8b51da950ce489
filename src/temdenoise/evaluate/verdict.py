"""The verdict of an evaluation: what its numbers mean, in words, and what looks wrong (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["good", "warning", "problem"]

VARIANCE_RATIO = (0.8, 1.25)
"""Residual variance over the noise model's: outside this range the residual is not noise."""
BIAS = 0.01
"""Largest mean of the residual, as a share of the mean count, still called unbiased."""
CORRELATION = 0.1
"""Largest neighbour correlation of the residual still called white."""
UNSUPPORTED = 0.05
"""Largest share of detected columns the raw counts may fail to support."""


@dataclass(frozen=True)
class Finding:
    """One sentence of the verdict and how much it matters."""

    level: Level
    text: str


def verdict(metrics: dict[str, Any], *, counts: str | None = None) -> list[Finding]:
    """Read an evaluation's ``metrics.json`` body and say what it means.

    Parameters
    ----------
    metrics : dict
        ``summary``, ``residual`` and ``atoms`` as written by ``evaluate``.
    counts : str, optional
        What the raw frames look like (``temdenoise.noise.dose.counts_verdict``); any
        answer that does not start with "integers >= 0" is a problem.

    Returns
    -------
    list of Finding
        Problems first, then warnings, then what is good.
    """
    found: list[Finding] = []
    if counts is not None and not counts.startswith("integers >= 0"):
        found.append(Finding("problem", f"The raw frames are {counts}."))
    summary = metrics.get("summary", {})
    found += _ground_truth(summary)
    found += _upsnr(summary)
    found += _residual(metrics.get("residual") or {})
    found += _atoms(metrics.get("atoms") or {})
    order = {"problem": 0, "warning": 1, "good": 2}
    return sorted(found, key=lambda f: order[f.level])


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None."""
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _ground_truth(summary: dict[str, Any]) -> list[Finding]:
    psnr, before = _number(summary.get("psnr_count")), _number(summary.get("psnr_count_noisy"))
    if psnr is None or before is None:
        return []
    if psnr <= before:
        text = (
            f"Against the ground truth the denoised frames are worse than the raw ones "
            f"(psnr_count {psnr:.2f} dB, raw {before:.2f} dB)."
        )
        return [Finding("problem", text)]
    return [
        Finding(
            "good",
            f"Against the ground truth: psnr_count {psnr:.2f} dB, {psnr - before:.1f} dB better "
            f"than the raw frames" + _ssim(summary) + ".",
        )
    ]


def _ssim(summary: dict[str, Any]) -> str:
    value = _number(summary.get("ssim"))
    return f", SSIM {value:.3f}" if value is not None else ""


def _upsnr(summary: dict[str, Any]) -> list[Finding]:
    after, before = _number(summary.get("upsnr_count")), _number(summary.get("upsnr_count_noisy"))
    if after is None or before is None:
        return []
    if after <= before:
        return [
            Finding(
                "problem",
                f"Without ground truth, the denoised frames agree less with independent noisy "
                f"copies than the raw frames do (uPSNR {after:.2f} dB against {before:.2f} dB): "
                "the denoiser makes these frames worse. Check that they are counts, the pixel "
                "size and the dose, and that the model covers them (temdenoise info FILE).",
            )
        ]
    return [
        Finding(
            "good",
            f"Without ground truth, uPSNR rises from {before:.2f} dB (raw) to {after:.2f} dB "
            "(estimated from adjacent frames; a moving specimen makes it pessimistic).",
        )
    ]


def _residual(residual: dict[str, Any]) -> list[Finding]:
    found = []
    ratio = _number(residual.get("variance_ratio"))
    low, high = VARIANCE_RATIO
    if ratio is not None and not low <= ratio <= high:
        why = (
            "the output follows the noise (too little smoothing), or the noise is weaker "
            "than the model says"
            if ratio < low
            else "the output lost signal with the noise, or the data are not in counts, or "
            "the noise is stronger or more correlated than the model says"
        )
        found.append(
            Finding(
                "problem" if ratio > 3 or ratio < 0.33 else "warning",
                f"The residual (raw - denoised) has {ratio:.3g} times the variance the noise "
                f"model predicts (1 for pure noise): {why}.",
            )
        )
    elif ratio is not None:
        found.append(Finding("good", f"The residual has the noise's variance (ratio {ratio:.3g})."))
    mean, z = _number(residual.get("mean")), _number(residual.get("mean_z"))
    bins = residual.get("bins") or {}
    intensity, pixels = bins.get("intensity") or [], bins.get("pixels") or []
    total = sum(pixels)
    level = sum(i * n for i, n in zip(intensity, pixels, strict=False)) / total if total else None
    if mean is not None and z is not None and level and abs(z) > 5 and abs(mean) > BIAS * level:
        direction = "lower" if mean > 0 else "higher"
        found.append(
            Finding(
                "warning",
                f"The denoised counts are on average {100 * abs(mean) / level:.1f}% {direction} "
                f"than the raw counts ({z:.0f} standard errors): the output does not conserve "
                "the dose.",
            )
        )
    lags = residual.get("lag_correlation") or {}
    worst = max(lags.items(), key=lambda kv: abs(kv[1]), default=None)
    if worst is not None and abs(worst[1]) > CORRELATION:
        found.append(
            Finding(
                "warning",
                f"The residual is correlated between {worst[0]} neighbours ({worst[1]:.2f}): "
                "structure was removed with the noise, or the detector correlates pixels "
                "(fit its noise model, or adapt with temdenoise adapt).",
            )
        )
    return found


def _atoms(atoms: dict[str, Any]) -> list[Finding]:
    detected, unsupported = atoms.get("detected"), atoms.get("unsupported")
    if not detected or unsupported is None:
        return []
    share = unsupported / detected
    if share > UNSUPPORTED:
        return [
            Finding(
                "problem",
                f"{unsupported} of {detected} atomic columns in the shown frame are not supported "
                "by the raw counts (their likelihood is below the background's): they may be "
                "invented by the denoiser; see the likelihood map.",
            )
        ]
    return [
        Finding(
            "good",
            f"{detected - unsupported} of {detected} atomic columns in the shown frame are "
            "supported by the raw counts.",
        )
    ]
