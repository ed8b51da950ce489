"""The demo's analysis: fit the noise, denoise and evaluate the noisy movie against the truth."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise.config import DemoConfig, DenoiseConfig, EvaluateConfig, FitNoiseConfig

METRICS = ("psnr_count", "psnr_range", "ssim", "upsnr_count")


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


def fit_noise(
    noisy: Path, output: Path, config: DemoConfig, progress: Callable[[int, int], None]
) -> str:
    """Fit a counting noise model to ``noisy`` into ``output``; return it in one line."""
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


def denoise_movie(
    noisy: Path, output: Path, config: DemoConfig, progress: Callable[[int, int], None]
) -> str:
    """Denoise ``noisy`` into ``output`` with the demo's model; return a note."""
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


def evaluate_movie(
    files: dict[str, Path], config: DemoConfig, progress: Callable[[int, int], None]
) -> dict[str, tuple[float, float]]:
    """Evaluate the denoised movie against the truth into the report folder; its metrics."""
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
    return read_metrics(report_dir / "metrics.json")


def read_metrics(path: Path) -> dict[str, tuple[float, float]]:
    """Return the (noisy, denoised) means of :data:`METRICS` from a ``metrics.json``."""
    summary = json.loads(path.read_text()).get("summary", {})
    nan = float("nan")
    return {
        name: (float(summary.get(f"{name}_noisy", nan)), float(summary.get(name, nan)))
        for name in METRICS
    }
