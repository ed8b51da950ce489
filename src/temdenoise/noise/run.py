"""Orchestrator of ``temdenoise fit-noise``: read frames, fit, write noise.json and a figure."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise import __version__
from temdenoise.config import FitNoiseConfig, Region
from temdenoise.errors import InputError
from temdenoise.noise.base import NoiseModel
from temdenoise.noise.fit_model import NoiseFit, fit_noise_model
from temdenoise.noise.store import save_noise_model

log = logging.getLogger(__name__)
READ_BLOCK = 8
"""Frames read per call to the source."""


@dataclass(frozen=True)
class FitNoiseReport:
    """What ``fit-noise`` did: the model written, the fits behind it and the files."""

    model: NoiseModel
    fit: NoiseFit
    output: Path
    figure: Path | None
    frames: tuple[int, int]
    roi: Region
    pixel_size: float | None = None
    """Angstrom per pixel of the input, when known."""


def run_fit_noise(
    config: FitNoiseConfig, *, progress: Callable[[int, int], None] | None = None
) -> FitNoiseReport:
    """Fit a noise model to ``config.input`` and write ``config.output`` (+ a PNG figure).

    Parameters
    ----------
    config : FitNoiseConfig
    progress : callable(done, total), optional
        Called after each block of frames read.

    Returns
    -------
    FitNoiseReport

    Raises
    ------
    InputError
        One line naming the input file and the problem.

    """
    from temdenoise.io import open_source

    with open_source(config.input, dataset=config.dataset) as source:
        n, rows, cols = source.shape
        start, stop = _frame_range(config, n)
        roi = config.roi or _central(rows, cols, config.max_region)
        _check_region(config.input, "roi", roi, rows, cols)
        if config.vacuum_roi is not None:
            _check_region(config.input, "vacuum_roi", config.vacuum_roi, rows, cols)
        region, vacuum = _read(source, start, stop, roi, config.vacuum_roi, progress)
        metadata = source.metadata
        dtype = str(source.dtype)
    log.info("fitting %d frames of %s, region %s", stop - start, config.input, _text(roi))
    try:
        fit = fit_noise_model(
            region,
            vacuum=vacuum,
            detector=config.detector,
            counting_model=config.counting_model,
            n_bins=config.n_bins,
            align=config.align,
            max_shift=config.max_shift,
            offset=config.offset,
            tile=config.tile,
        )
    except InputError as exc:
        raise InputError(f"{config.input}: {exc}") from None
    notes = list(fit.notes)
    dose = fit.model.dose
    if dose is None and metadata.dose is not None and metadata.dose > 0:
        dose = float(metadata.dose)
        notes.append("dose taken from the file's metadata (no vacuum region given)")
    for note in notes:
        log.info("%s", note)
    info: dict[str, Any] = {
        "fit": {**fit.summary(), "notes": notes},
        "source": {
            "input": str(config.input),
            "dataset": config.dataset,
            "shape": [n, rows, cols],
            "dtype": dtype,
            "frames": [start, stop],
            "roi": list(roi),
            "vacuum_roi": None if config.vacuum_roi is None else list(config.vacuum_roi),
            "pixel_size": metadata.pixel_size,
            "instrument": metadata.instrument,
        },
        "config": config.model_dump(mode="json"),
        "package_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(),
    }
    model = replace(fit.model, dose=dose, info=info)
    output = save_noise_model(model, config.output)
    figure = None
    if config.figure:
        from temdenoise.figures.noise import noise_fit_figure

        figure = noise_fit_figure(fit, output.with_suffix(".png"), title=Path(config.input).name)
    log.info("wrote %s: %s", output, model.describe())
    return FitNoiseReport(model, fit, output, figure, (start, stop), roi, metadata.pixel_size)


def _frame_range(config: FitNoiseConfig, n: int) -> tuple[int, int]:
    start, stop = config.frames
    stop = n if stop is None else min(stop, n)
    if start >= stop:
        raise InputError(f"{config.input}: no frames in {start}:{stop} (the movie has {n})")
    return start, min(stop, start + config.max_frames)


def _central(rows: int, cols: int, side: int) -> Region:
    r, c = min(rows, side), min(cols, side)
    r0, c0 = (rows - r) // 2, (cols - c) // 2
    return (r0, r0 + r, c0, c0 + c)


def _check_region(path: Path, name: str, region: Region, rows: int, cols: int) -> None:
    _, r1, _, c1 = region
    if r1 > rows or c1 > cols:
        raise InputError(f"{path}: {name} {_text(region)} is outside the {rows} x {cols} frame")


def _text(region: Region) -> str:
    return f"{region[0]}:{region[1]},{region[2]}:{region[3]}"


def _read(
    source: Any,
    start: int,
    stop: int,
    roi: Region,
    vacuum_roi: Region | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read frames start:stop block by block, keeping only the two regions."""
    region, vacuum = [], []
    for a in range(start, stop, READ_BLOCK):
        block = source.read(a, min(a + READ_BLOCK, stop))
        region.append(np.array(block[:, roi[0] : roi[1], roi[2] : roi[3]]))
        if vacuum_roi is not None:
            r0, r1, c0, c1 = vacuum_roi
            vacuum.append(np.array(block[:, r0:r1, c0:c1]))
        if progress is not None:
            progress(min(a + READ_BLOCK, stop) - start, stop - start)
    return np.concatenate(region), (np.concatenate(vacuum) if vacuum_roi is not None else None)
