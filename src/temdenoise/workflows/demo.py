"""Orchestrator of ``temdenoise demo``: the whole chain on a simulated in situ movie.

Stages, each writing into the demo folder ``DIR``::

    clean.zarr        simulate   a movie of a Pt particle on CeO2 with surface dynamics, on
                                 the model grid (pixel_size)
    detector.zarr     render     the truth on the detector (detector_pixel_size): clean
                                 enlarged smoothly, counts conserved, vacuum = dose
    noisy.zarr        add noise  Poisson counts at the dose, seeded ("frames", uint16)
    noise.json/.png   fit noise  a noise model fitted to the noisy movie
    denoised.zarr     denoise    the noisy movie through the streaming denoiser, binned to
                                 the model grid and enlarged back as a user's file is
    report/           evaluate   metrics.json, figures and index.html against the truth,
                                 at the detector's resolution
    demo.json         the settings, stage timings and headline metrics; "complete" last

A rerun into the same folder with the same movie settings resumes: it reuses the
simulated movie (finishing missing frames), the noisy movie and a finished denoised
movie (another model or device redoes the denoising), and the noise fit and report of a
finished run whose inputs are unchanged. Other movie settings, or a folder that is not
a demo folder, are refused. Each output is written under a temporary name and renamed,
or carries its own resume marker, and ``demo.json`` says "complete": false until the
end, so nothing half-written looks complete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from temdenoise.config import DemoConfig
from temdenoise.workflows.demo_analysis import (
    denoise_movie,
    evaluate_movie,
    fit_noise,
    read_metrics,
)
from temdenoise.workflows.demo_folder import MANIFEST, claim, manifest_body, write_manifest
from temdenoise.workflows.demo_movie import add_noise, movie_key, render_truth, simulate_movie

logger = logging.getLogger(__name__)

STAGES = ("simulate", "render", "add noise", "fit noise", "denoise", "evaluate")
Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: frames done in a stage (one of :data:`STAGES`)."""


@dataclass(frozen=True)
class StageTime:
    """Wall time of one stage and what it did ("reused" when a rerun found it done)."""

    name: str
    seconds: float
    note: str


@dataclass(frozen=True)
class DemoReport:
    """What :func:`run_demo` did.

    Attributes
    ----------
    output : Path
        The demo folder.
    stages : list of StageTime
        In the order run.
    metrics : dict of str to (float, float)
        Mean over frames of each of :data:`~temdenoise.workflows.demo_analysis.METRICS` for
        the (noisy, denoised) movie; NaN where it could not be computed.
    files : dict of str to Path
        What was written, by role.
    noise : str
        The fitted noise model, one line.

    """

    output: Path
    stages: list[StageTime]
    metrics: dict[str, tuple[float, float]]
    files: dict[str, Path] = field(default_factory=dict)
    noise: str = ""

    @property
    def seconds(self) -> float:
        """Total wall time of the stages."""
        return sum(stage.seconds for stage in self.stages)


def run_demo(config: DemoConfig, *, progress: Progress | None = None) -> DemoReport:
    """Simulate, add noise, fit the noise, denoise and evaluate a short in situ movie.

    Parameters
    ----------
    config : DemoConfig
    progress : callable(stage, done, total), optional
        Frames done in each stage.

    Returns
    -------
    DemoReport

    Raises
    ------
    ModelFileError
        ``config.model`` is neither a shipped model nor a readable model file (checked
        before anything is simulated).
    ConfigError
        ``config.output`` holds a demo with other movie settings, or is not a demo folder;
        ``config.device`` is not available (both checked before anything is simulated).

    """
    from temdenoise.infer.device import resolve_device
    from temdenoise.models.checkpoint import read_header
    from temdenoise.pretrained import resolve_model

    header = read_header(resolve_model(config.model))
    resolve_device(config.device)  # a ConfigError before anything is simulated
    out = config.output
    previous = claim(out, config)
    files = {
        "clean": out / "clean.zarr",
        "truth": out / "detector.zarr",
        "noisy": out / "noisy.zarr",
        "noise model": out / "noise.json",
        "noise figure": out / "noise.png",
        "denoised": out / "denoised.zarr",
        "report": out / "report" / "index.html",
        "summary": out / MANIFEST,
    }
    stages: list[StageTime] = []

    def report(stage: str) -> Callable[[int, int], None]:
        def call(done: int, total: int) -> None:
            if progress is not None:
                progress(stage, done, total)

        return call

    start = time.perf_counter()
    simulated = simulate_movie(files["clean"], config, report("simulate"))
    stages.append(_timed("simulate", start, simulated))

    start = time.perf_counter()
    key = movie_key(files["clean"], config)
    reused = render_truth(files["clean"], files["truth"], key, config, report("render"))
    note = "reused" if reused else f"{config.detector_size} px at {config.detector_pixel_size} A/px"
    stages.append(_timed("render", start, note))

    start = time.perf_counter()
    reused = add_noise(files["truth"], files["noisy"], key, config, report("add noise"))
    stages.append(
        _timed("add noise", start, "reused" if reused else f"Poisson, seed {config.seed}")
    )

    # A finished previous run's cheap stages are reused when their inputs are the same.
    done_before = previous.get("inputs", {}) if previous.get("complete") else {}
    inputs = {"noisy": _key(files["noisy"], "demo_key")}
    start = time.perf_counter()
    if done_before.get("noisy") == inputs["noisy"] and _exist(files, "noise model", "noise figure"):
        from temdenoise.noise.store import load_noise_model

        report("fit noise")(config.frames, config.frames)
        noise, note = load_noise_model(files["noise model"]).describe(), "reused"
    else:
        noise = note = fit_noise(files["noisy"], files["noise model"], config, report("fit noise"))
    stages.append(_timed("fit noise", start, note))

    start = time.perf_counter()
    note = denoise_movie(files["noisy"], files["denoised"], config, report("denoise"))
    stages.append(_timed("denoise", start, f"{header.name or header.arch}: {note}"))
    inputs["denoised"] = _key(files["denoised"], "job_key")

    start = time.perf_counter()
    report_dir = files["report"].parent
    if done_before == inputs and _exist(files, "report") and (report_dir / "metrics.json").exists():
        report("evaluate")(config.frames, config.frames)
        metrics, note = read_metrics(report_dir / "metrics.json"), "reused"
    else:
        metrics = evaluate_movie(files, config, report("evaluate"))
        note = "psnr, ssim, upsnr, profile, likelihood"
    stages.append(_timed("evaluate", start, note))

    result = DemoReport(out, stages, metrics, files, noise)
    write_manifest(out, manifest_body(config, complete=True, result=result, inputs=inputs))
    return result


def _exist(files: dict[str, Path], *roles: str) -> bool:
    return all(files[role].exists() for role in roles)


def _key(path: Path, name: str) -> str | None:
    """Return the identity ``name`` recorded in the provenance of a Zarr output."""
    import zarr

    stored = zarr.open_group(path, mode="r").attrs.get("temdenoise", {})
    provenance = stored.get("provenance", {}) if isinstance(stored, dict) else {}
    key = provenance.get(name) if isinstance(provenance, dict) else None
    return key if isinstance(key, str) else None


def _timed(name: str, start: float, note: str) -> StageTime:
    seconds = time.perf_counter() - start
    logger.info("%s: %.1f s (%s)", name, seconds, note)
    return StageTime(name, seconds, note)


def table_lines(report: DemoReport) -> list[str]:
    """Format the result: metrics of the noisy and the denoised movie, stage times.

    Parameters
    ----------
    report : DemoReport

    Returns
    -------
    list of str
        Lines without newlines.

    """
    lines = [f"{'metric (mean over frames)':<28}{'noisy':>10}{'denoised':>10}"]
    names = {
        "psnr_count": "psnr_count (dB)",
        "psnr_range": "psnr_range (dB)",
        "ssim": "SSIM",
        "upsnr_count": "uPSNR (dB, adjacent frames)",
    }
    for name, (noisy, denoised) in report.metrics.items():
        digits = 3 if name == "ssim" else 2
        lines.append(f"{names[name]:<28}{noisy:>10.{digits}f}{denoised:>10.{digits}f}")
    lines.append("")
    lines.append(f"{'stage':<12}{'wall time':>11}  note")
    for stage in report.stages:
        lines.append(f"{stage.name:<12}{stage.seconds:>9.1f} s  {stage.note}")
    lines.append(f"{'total':<12}{report.seconds:>9.1f} s")
    return lines
