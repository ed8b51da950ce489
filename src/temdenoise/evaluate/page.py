"""The evaluation report's ``index.html``: the numbers in tables, the figures below them."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

_SUMMARY_LABELS = {
    "mse": "MSE denoised vs clean (counts²)",
    "psnr_count": "PSNR denoised, count convention (dB)",
    "psnr_count_noisy": "PSNR noisy, count convention (dB)",
    "psnr_range": "PSNR denoised, range convention (dB)",
    "psnr_range_noisy": "PSNR noisy, range convention (dB)",
    "ssim": "SSIM denoised (data range of clean)",
    "ssim_noisy": "SSIM noisy (data range of clean)",
    "umse": "uMSE denoised, adjacent frames (counts²)",
    "umse_se": "uMSE denoised: standard error (counts²)",
    "umse_noisy": "uMSE noisy (counts²)",
    "umse_noisy_se": "uMSE noisy: standard error (counts²)",
    "upsnr_count": "uPSNR denoised from the mean uMSE, count convention (dB)",
    "upsnr_count_noisy": "uPSNR noisy from the mean uMSE, count convention (dB)",
}


def render_page(document: dict[str, Any]) -> str:
    """Render the report page: the numbers of ``metrics.json`` in tables, the figures below.

    The page is self-contained HTML that refers to the PNG files by their names in
    ``document["figures"]`` (same folder).
    """

    def fmt(value: Any) -> str:
        if isinstance(value, float):
            return "n/a" if not math.isfinite(value) else f"{value:.4g}"
        return html.escape(str(value))

    def table(title: str, rows: Sequence[tuple[str, Any]]) -> str:
        cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{fmt(v)}</td></tr>" for k, v in rows)
        return f"<h2>{html.escape(title)}</h2><table>{cells}</table>"

    inputs = document.get("inputs", {})
    atoms = document["atoms"]
    residual = document["residual"]
    profiles = document["profiles"]
    marks = {"problem": "&#10007; problem", "warning": "! warning", "good": "&#10003;"}
    findings = "".join(
        f"<li class='{html.escape(f['level'])}'><b>{marks.get(f['level'], '')}</b> "
        f"{html.escape(f['text'])}</li>"
        for f in document.get("verdict", [])
    )
    sections = [
        f"<h2>Verdict</h2><ul class='verdict'>{findings}</ul>" if findings else "",
        table(
            "Inputs",
            [(k, v) for k, v in inputs.items()]
            + [
                ("pixel size (A/px)", document["pixel_size"]),
                ("frame shown", document["frame_shown"]),
            ],
        ),
        table(
            "Summary (mean over frames)",
            [(_SUMMARY_LABELS.get(k, k), v) for k, v in document["summary"].items()],
        ),
        table(
            "Residual (noisy - denoised) against the noise model",
            [
                ("mean (counts/px)", residual["mean"]),
                ("mean / standard error", residual["mean_z"]),
                ("variance ratio (1 = pure noise)", residual["variance_ratio"]),
                *(
                    (f"neighbour correlation, {k}", v)
                    for k, v in residual["lag_correlation"].items()
                ),
            ],
        ),
        table(
            "Atom columns (shown frame)",
            [
                ("detected in the denoised frame", atoms["detected"]),
                ("background level (counts/px)", atoms["background"]),
                ("median log-likelihood ratio (nats)", atoms["llr_median"]),
                ("not supported by the raw counts (LLR < 0)", atoms["unsupported"]),
                *((f"vs ground truth: {k}", v) for k, v in (atoms["scores"] or {}).items()),
            ],
        ),
        table(
            f"Line profile ({profiles['width']} px wide)",
            [("line (r0, c0, r1, c1) px", profiles["line"])]
            + [(f"SNR {k}", v) for k, v in profiles["snr"].items()]
            + [(f"SNR {k} vs clean", v) for k, v in profiles["snr_vs_clean"].items()],
        ),
    ]
    if document.get("umse_subsampled"):
        sections.append(
            table("uMSE from 2 x 2 sub-sampling", list(document["umse_subsampled"].items()))
        )
    if document.get("notes"):
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in document["notes"])
        sections.append(f"<h2>Notes</h2><ul>{notes}</ul>")
    captions = {
        "comparison": (
            "Clean | noisy | denoised (the seed's Figure 1)"
            if "psnr_count" in document.get("summary", {})
            else "Raw | denoised (no ground truth given)"
        ),
        "profiles": "Raw | denoised | overlaid integrated line profiles (the seed's Figure 2)",
        "likelihood": "Per-atom Poisson log-likelihood ratio: denoised intensity vs background",
        "residual": "Residual against the noise model",
        "per_frame": "PSNR and uPSNR per frame",
        "spectra": "Power spectra (FFT) of the raw and the denoised frame, and raw - denoised",
    }
    slider = _slider(document.get("slider"), document.get("frame_shown"))
    figures = slider + "".join(
        f'<figure><img src="{html.escape(file)}" alt="{html.escape(name)}">'
        f"<figcaption>{html.escape(captions[name])}</figcaption></figure>"
        for name, file in document["figures"].items()
    )
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:auto}"
        "table{border-collapse:collapse;margin-bottom:1em}"
        "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}"
        "img{max-width:100%}figure{margin:1em 0}"
        ".verdict li{margin:4px 0}.problem{color:#b00020}.warning{color:#a15c00}"
        ".good{color:#1b5e20}"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>temdenoise evaluation</title>"
        f"<style>{style}</style></head><body><h1>temdenoise evaluation</h1>"
        + "".join(sections)
        + figures
        + "</body></html>\n"
    )


def _slider(files: dict[str, str] | None, frame: Any) -> str:
    """Render a raw-or-denoised comparison of the shown frame with a draggable boundary."""
    if not files:
        return ""
    raw, denoised = (html.escape(files[k]) for k in ("noisy", "denoised"))
    return (
        "<h2>Raw and denoised, side by side</h2>"
        f"<p>Frame {html.escape(str(frame))}, full resolution, same grey scale: left of the "
        "line the raw counts, right of it the denoised frame. Drag the slider.</p>"
        "<div class='slider' style='position:relative;display:inline-block;max-width:100%'>"
        f"<img src='{denoised}' alt='denoised frame' style='display:block;max-width:100%'>"
        f"<img id='raw' src='{raw}' alt='raw frame' "
        "style='position:absolute;top:0;left:0;width:100%;clip-path:inset(0 50% 0 0)'>"
        "</div><br><input type='range' min='0' max='100' value='50' style='width:60%' "
        "aria-label='boundary between raw and denoised' oninput=\"document.getElementById('raw')"
        ".style.clipPath='inset(0 '+(100-this.value)+'% 0 0)'\">"
    )
