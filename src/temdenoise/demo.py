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

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise import __version__
from temdenoise._files import default_mode
from temdenoise.config import (
    DemoConfig,
    DenoiseConfig,
    EvaluateConfig,
    FitNoiseConfig,
    SimulateConfig,
)
from temdenoise.errors import ConfigError

logger = logging.getLogger(__name__)

FORMAT = "temdenoise-demo"
MANIFEST = "demo.json"
CONTENT = ("frames", "size", "pixel_size", "detector_pixel_size", "dose", "seed")
"""Settings that decide the simulated and noisy movies: a rerun must share them."""
STAGES = ("simulate", "render", "add noise", "fit noise", "denoise", "evaluate")
METRICS = ("psnr_count", "psnr_range", "ssim", "upsnr_count")
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
        Mean over frames of each of :data:`METRICS` for the (noisy, denoised) movie; NaN
        where it could not be computed.
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
    previous = _claim(out, config)
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
    simulated = _simulate(files["clean"], config, report("simulate"))
    stages.append(_timed("simulate", start, simulated))

    start = time.perf_counter()
    key = _movie_key(files["clean"], config)
    reused = _render(files["clean"], files["truth"], key, config, report("render"))
    note = "reused" if reused else f"{config.detector_size} px at {config.detector_pixel_size} A/px"
    stages.append(_timed("render", start, note))

    start = time.perf_counter()
    reused = _add_noise(files["truth"], files["noisy"], key, config, report("add noise"))
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
        noise = note = _fit_noise(files["noisy"], files["noise model"], config, report("fit noise"))
    stages.append(_timed("fit noise", start, note))

    start = time.perf_counter()
    note = _denoise(files["noisy"], files["denoised"], config, report("denoise"))
    stages.append(_timed("denoise", start, f"{header.name or header.arch}: {note}"))
    inputs["denoised"] = _key(files["denoised"], "job_key")

    start = time.perf_counter()
    report_dir = files["report"].parent
    if done_before == inputs and _exist(files, "report") and (report_dir / "metrics.json").exists():
        report("evaluate")(config.frames, config.frames)
        metrics, note = _read_metrics(report_dir / "metrics.json"), "reused"
    else:
        metrics = _evaluate(files, config, report("evaluate"))
        note = "psnr, ssim, upsnr, profile, likelihood"
    stages.append(_timed("evaluate", start, note))

    result = DemoReport(out, stages, metrics, files, noise)
    _write_manifest(out, _manifest(config, complete=True, result=result, inputs=inputs))
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


def _content(config: DemoConfig) -> dict[str, Any]:
    return config.model_dump(mode="json", include=set(CONTENT))


def _claim(out: Path, config: DemoConfig) -> dict[str, Any]:
    """Make ``out`` this demo's folder, or refuse a folder that holds something else.

    Returns the previous run's summary (empty for a new folder); the summary on disk
    says "complete": false until this run finishes.
    """
    manifest = out / MANIFEST
    stored: Any = {}
    if manifest.exists():
        try:
            stored = json.loads(manifest.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{manifest}: not a readable demo summary ({exc})") from None
        old = stored.get("config", {}) if isinstance(stored, dict) else {}
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            raise ConfigError(f"{out}: not a temdenoise demo folder; choose another -o")
        differ = [k for k in CONTENT if old.get(k) != _content(config)[k]]
        if differ:
            raise ConfigError(
                f"{out}: holds a demo with other settings ({', '.join(differ)} differ); "
                "choose another -o or delete the folder"
            )
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out}: exists and is not a temdenoise demo folder; choose another -o")
    out.mkdir(parents=True, exist_ok=True)
    _write_manifest(out, _manifest(config, complete=False))
    return dict(stored)


def _manifest(
    config: DemoConfig,
    *,
    complete: bool,
    result: DemoReport | None = None,
    inputs: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": FORMAT,
        "package_version": __version__,
        "config": config.model_dump(mode="json"),
        "complete": complete,
    }
    if result is not None:
        body["stages"] = [
            {"name": s.name, "seconds": round(s.seconds, 3), "note": s.note} for s in result.stages
        ]
        body["metrics"] = {
            name: {"noisy": _finite(noisy), "denoised": _finite(denoised)}
            for name, (noisy, denoised) in result.metrics.items()
        }
        body["noise_model"] = result.noise
        body["files"] = {role: str(path) for role, path in result.files.items()}
        body["inputs"] = inputs or {}
    return body


def _finite(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None


def _write_manifest(out: Path, body: dict[str, Any]) -> None:
    handle, tmp = tempfile.mkstemp(dir=out, prefix=f".{MANIFEST}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(json.dumps(body, indent=2) + "\n")
        default_mode(tmp)
        os.replace(tmp, out / MANIFEST)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _simulate(path: Path, config: DemoConfig, progress: Callable[[int, int], None]) -> str:
    from temdenoise.simulate.dataset import write_dataset

    sim = SimulateConfig.build(
        source="demo",
        movie_frames=config.frames,
        size=config.size,
        pixel_size=config.pixel_size,
        dose=config.simulated_dose,
        seed=config.seed,
        workers=config.workers,
    )
    summary = write_dataset(path, sim, progress=progress)
    if summary.simulated == 0:
        return "reused"
    return f"{summary.simulated} frames, {config.workers} worker(s)"


def _movie_key(clean: Path, config: DemoConfig) -> str:
    import zarr

    attrs = zarr.open_group(clean, mode="r").attrs.asdict()
    identity = {"simulation": attrs.get("config"), "demo": _content(config)}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def draw_counts(clean: NDArray[np.floating[Any]], *, seed: int, frame: int) -> NDArray[np.uint16]:
    """Draw Poisson counts for one clean frame, seeded by (seed, frame).

    Parameters
    ----------
    clean : ndarray of shape (rows, columns)
        Expected counts per pixel (>= 0).
    seed, frame : int
        The frame's noise depends on both and on nothing else.

    Returns
    -------
    ndarray of uint16, shape (rows, columns)

    """
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(frame,)))
    return rng.poisson(np.asarray(clean, dtype=np.float64)).astype(np.uint16)


def _reusable(path: Path, key: str) -> bool:
    """Tell whether ``path`` is a finished demo movie of the movie ``key`` (else remove it)."""
    import zarr

    if not path.exists():
        return False
    attrs = zarr.open_group(path, mode="r").attrs.get("temdenoise", {})
    if isinstance(attrs, dict) and attrs.get("provenance", {}).get("demo_key") == key:
        return True
    shutil.rmtree(path)
    return False


def _write_movie(
    path: Path,
    name: str,
    frames: Callable[[int], NDArray[Any]],
    shape: tuple[int, int, int],
    dtype: str,
    config: DemoConfig,
    provenance: dict[str, Any],
    progress: Callable[[int, int], None],
) -> None:
    """Write ``frames(t)`` for every t as array ``name`` of a Zarr group at ``path``, atomically."""
    import zarr

    from temdenoise.io.metadata import Metadata

    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    group = zarr.open_group(partial, mode="w")
    n, rows, cols = shape
    array = group.create_array(name, shape=shape, chunks=(1, rows, cols), dtype=dtype)
    for t in range(n):
        array[t] = frames(t)
        progress(t + 1, n)
    metadata = Metadata(
        pixel_size=config.detector_pixel_size,
        instrument="simulated (temdenoise demo)",
        format="zarr",
        source=str(path),
    )
    group.attrs["temdenoise"] = {
        "metadata": metadata.to_dict(),
        "provenance": {
            "software": "temdenoise",
            "package_version": __version__,
            "command": "demo",
            **provenance,
        },
    }
    partial.rename(path)


def _render(
    clean: Path, truth: Path, key: str, config: DemoConfig, progress: Callable[[int, int], None]
) -> bool:
    """Write the truth on the detector grid unless it is there from the same movie."""
    import zarr

    from temdenoise.infer.resample import enlarge_frames

    if _reusable(truth, key):
        progress(config.frames, config.frames)
        return True
    source: Any = zarr.open_group(clean, mode="r")["clean"]
    side = config.detector_size

    def frame(t: int) -> NDArray[Any]:
        rendered: NDArray[Any] = np.asarray(source[t : t + 1], dtype=np.float32)
        if side != config.size:
            rendered = np.maximum(enlarge_frames(rendered, (side, side)), np.float32(0))
        return rendered.reshape(side, side)

    provenance = {
        "clean": str(clean),
        "render": f"enlarged {config.size} -> {side} px (count-conserving cubic spline), >= 0",
        "demo_key": key,
    }
    shape = (source.shape[0], side, side)
    _write_movie(truth, "clean", frame, shape, "float32", config, provenance, progress)
    return False


def _add_noise(
    truth: Path, noisy: Path, key: str, config: DemoConfig, progress: Callable[[int, int], None]
) -> bool:
    """Write ``noisy`` from ``truth`` unless it is there from the same movie; True if reused."""
    import zarr

    if _reusable(noisy, key):
        progress(config.frames, config.frames)
        return True
    source: Any = zarr.open_group(truth, mode="r")["clean"]
    provenance = {
        "clean": str(truth),
        "noise": f"Poisson(clean), seed {config.seed} (SeedSequence spawn key = frame)",
        "demo_key": key,
    }

    def frame(t: int) -> NDArray[Any]:
        return draw_counts(np.asarray(source[t]), seed=config.seed, frame=t)

    _write_movie(noisy, "frames", frame, source.shape, "uint16", config, provenance, progress)
    return False


def _vacuum_region(clean: Any, dose: float) -> tuple[int, int, int, int] | None:
    """Return a top corner of the frames that is vacuum in every frame (or None).

    ``clean`` is the (frames, rows, columns) array of the truth; only the corners are read.
    """
    rows, cols = clean.shape[1:]
    side = max(16, min(rows, cols) // 8)
    for c0 in (0, cols - side):
        block = np.asarray(clean[:, :side, c0 : c0 + side])
        if np.abs(block - dose).max() < 0.02 * dose:
            return (0, side, c0, c0 + side)
    return None


def _fit_noise(
    noisy: Path, output: Path, config: DemoConfig, progress: Callable[[int, int], None]
) -> str:
    import zarr

    from temdenoise.noise.run import run_fit_noise

    clean = zarr.open_group(noisy.with_name("detector.zarr"), mode="r")["clean"]
    fit = FitNoiseConfig.build(
        source="demo",
        input=noisy,
        output=output,
        vacuum_roi=_vacuum_region(clean, config.dose),
        detector="counting",
    )
    result = run_fit_noise(fit, progress=progress)
    return result.model.describe()


def _denoise(
    noisy: Path, output: Path, config: DemoConfig, progress: Callable[[int, int], None]
) -> str:
    from temdenoise.infer.job import run_denoise

    job = DenoiseConfig.build(
        source="demo",
        input=noisy,
        output=output,
        model=config.model,
        device=config.device,
        overwrite=True,  # the demo owns its folder: an output of another model is replaced
    )
    result = run_denoise(job, progress=progress)
    if result.stats is None:
        progress(config.frames, config.frames)
        return "reused"
    stats = result.stats
    mps = stats.frames_per_second * config.detector_size**2 / 1e6
    grid = f"binned to {result.grid_pixel_size:.3g} A/px, " if result.factor else ""
    return f"{stats.computed_frames} frames, {grid}{mps:.2f} MP/s of detector pixels"


def surface_line(
    clean: NDArray[np.floating[Any]], *, dose: float, interface_row: float, margin: float = 0.0
) -> tuple[float, float, float, float] | None:
    """Find a line along the particle's topmost atomic layer, from vacuum to vacuum.

    The particle is the run of columns around the highest non-vacuum pixel whose top edge
    lies in the upper half between that apex and the support. Its top edge (first
    non-vacuum pixel of each column) is fitted with a straight line over the middle 60%
    of those columns; the line is then moved
    down onto the row of strongest contrast within 10 px (the column centres) and
    extended 16 px into the vacuum at both ends.

    Parameters
    ----------
    clean : ndarray of shape (rows, columns)
        The clean frame, counts per pixel; vacuum reads ``dose``.
    dose : float
        Vacuum counts per pixel.
    interface_row : float
        Row of the support surface, px: only rows above it are searched.
    margin : float
        Least distance of the line's ends from the frame's edges, px (half the width of
        the band a profile integrates, and some).

    Returns
    -------
    (row0, column0, row1, column1) or None
        In px; None when no particle is found above the support.

    """
    above = np.abs(np.asarray(clean[: max(0, int(interface_row) - 8)], dtype=np.float64) - dose)
    mask = above > 0.15 * dose
    if not mask.any():
        return None
    top = np.where(mask.any(axis=0), np.argmax(mask, axis=0), len(above)).astype(np.float64)
    apex = int(np.argmin(top))
    upper = top < top[apex] + 0.5 * (len(above) - top[apex])  # the particle's upper half
    first, last = apex, apex
    while first > 0 and upper[first - 1]:
        first -= 1
    while last < len(top) - 1 and upper[last + 1]:
        last += 1
    if last - first < 2:
        return None
    width = last - first
    middle = np.arange(first + int(0.2 * width), last - int(0.2 * width) + 1)
    slope, offset = np.polyfit(middle.astype(np.float64), top[middle], 1)
    along = np.arange(first, last + 1)

    def contrast(shift: int) -> float:
        rows = np.clip(np.rint(slope * along + offset + shift).astype(int), 0, len(above) - 1)
        return float(above[rows, along].mean())

    shift = max(range(11), key=contrast)
    c0 = max(margin, first - 16.0)
    c1 = min(clean.shape[1] - 1 - margin, last + 16.0)
    row0, row1 = (
        float(np.clip(slope * c + offset + shift, margin, clean.shape[0] - 1 - margin))
        for c in (c0, c1)
    )
    return (row0, float(c0), row1, float(c1))


def _evaluate(
    files: dict[str, Path], config: DemoConfig, progress: Callable[[int, int], None]
) -> dict[str, tuple[float, float]]:
    import zarr

    from temdenoise.evaluate.run import run_evaluate
    from temdenoise.simulate.dataset import read_parameters

    shown = config.frames // 2
    clean: Any = zarr.open_group(files["clean"], mode="r")["clean"]
    scale = config.detector_size / config.size  # detector pixels per simulated pixel
    interface = float(read_parameters(files["clean"])["interface_row"][shown]) * config.size
    width = 4  # simulated px: about one atomic layer
    line = surface_line(
        clean[shown],
        dose=config.simulated_dose,
        interface_row=interface,
        margin=width / 2 + 1,
    )
    if line is not None:  # onto the detector's pixel centres
        line = tuple((v + 0.5) * scale - 0.5 for v in line)  # type: ignore[assignment]
    report_dir = files["report"].parent
    partial = report_dir.with_name(report_dir.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    evaluation = EvaluateConfig.build(
        source="demo",
        noisy=files["noisy"],
        denoised=files["denoised"],
        clean=files["truth"],
        clean_dataset="clean",
        output=partial,
        pixel_size=config.detector_pixel_size,
        frame=shown,
        line=line,
        width=max(1, round(width * scale)),
        background=config.dose,  # atom sizes: scaled to the detector's pixel size
    )
    run_evaluate(evaluation, progress=progress)
    if report_dir.exists():
        shutil.rmtree(report_dir)
    partial.rename(report_dir)
    return _read_metrics(report_dir / "metrics.json")


def _read_metrics(path: Path) -> dict[str, tuple[float, float]]:
    """Return the (noisy, denoised) means of :data:`METRICS` from a ``metrics.json``."""
    summary = json.loads(path.read_text()).get("summary", {})
    nan = float("nan")
    return {
        name: (float(summary.get(f"{name}_noisy", nan)), float(summary.get(name, nan)))
        for name in METRICS
    }


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
