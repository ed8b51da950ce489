"""The orchestrator behind ``temdenoise evaluate``: read the files, evaluate, write the report.

The files are read through :func:`temdenoise.io.open_source`, frame block by frame block.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from temdenoise.errors import ConfigError
from temdenoise.evaluate.inputs import LazyFrames, noise_variance, source_offset
from temdenoise.evaluate.movie import Progress, evaluate_movie
from temdenoise.evaluate.report import write_report
from temdenoise.evaluate.sizes import pixel_sizes

if TYPE_CHECKING:
    from temdenoise.config import EvaluateConfig
    from temdenoise.io.base import ArraySource

logger = logging.getLogger(__name__)


def run_evaluate(
    config: EvaluateConfig,
    *,
    progress: Progress | None = None,
    denoiser: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Path:
    """Read the files named in ``config``, evaluate, and write the report.

    Parameters
    ----------
    config : EvaluateConfig
    progress : callable, optional
        ``progress(done, total)`` after each evaluated frame.
    denoiser : callable, optional
        For the 2 x 2 sub-sampled uMSE (see :func:`evaluate_movie`).

    Returns
    -------
    Path
        The report's ``index.html``.

    Raises
    ------
    InputError
        A missing or unreadable file, shapes that differ, NaN or infinite pixels (one line
        naming the file).

    """
    from temdenoise.io import open_source

    paths = {
        "noisy": (config.noisy, config.dataset),
        "denoised": (config.denoised, config.denoised_dataset),
        "clean": (config.clean, config.clean_dataset),
    }
    sources: dict[str, ArraySource] = {}
    try:
        for name, (path, dataset) in paths.items():
            if path is not None:
                sources[name] = open_source(path, dataset=dataset)
        offset = source_offset(sources)
        noisy_src, denoised_src = sources["noisy"], sources["denoised"]
        total = denoised_src.shape[0]
        start, stop = config.frames
        stop = total if stop is None else min(stop, total)
        if not 0 <= start < stop:
            raise ConfigError(
                f"frames {start}:{config.frames[1]} select nothing in {config.denoised} "
                f"({total} frames)"
            )
        requested, stop = stop, min(stop, start + config.max_frames)
        logger.info(
            "evaluating frames %d..%d of %s against frames %d..%d of %s",
            start, stop - 1, config.denoised, start + offset, stop - 1 + offset, config.noisy,
        )  # fmt: skip
        clean_src = sources.get("clean")
        clean_offset = offset if clean_src and clean_src.shape[0] == noisy_src.shape[0] else 0
        if clean_src is not None and clean_src.shape[0] == 1:
            clean_range: tuple[int, int] = (0, 1)
        else:
            clean_range = (start + clean_offset, stop + clean_offset)
        frames = {
            "noisy": LazyFrames(noisy_src, start + offset, stop + offset),
            "denoised": LazyFrames(denoised_src, start, stop),
        }
        if clean_src is not None:
            frames["clean"] = LazyFrames(clean_src, *clean_range)
        pixel_size = config.pixel_size or next(
            (s.metadata.pixel_size for s in sources.values() if s.metadata.pixel_size), None
        )
        settings = config.model_dump(
            include={
                "frame",
                "line",
                "width",
                "polarity",
                "atom_sigma",
                "min_distance",
                "threshold",
                "atom_radius",
                "tolerance",
                "background",
                "variance_slope",
                "variance_offset",
                "umse",
            }
        )
        settings.update(pixel_sizes(settings, pixel_size))
        if config.noise is not None:
            level = float(np.mean(frames["noisy"][0]))
            slope, intercept = noise_variance(config.noise, level)
            settings.update(variance_slope=slope, variance_offset=intercept)
        evaluation = evaluate_movie(
            frames["noisy"],
            frames["denoised"],
            frames.get("clean"),
            pixel_size=pixel_size,
            first_frame=start,
            denoiser=denoiser,
            progress=progress,
            **settings,
        )
    finally:
        for source in sources.values():
            source.close()
    inputs = {
        "noisy": str(config.noisy),
        "denoised": str(config.denoised),
        "clean": None if config.clean is None else str(config.clean),
        "shape": list(noisy_src.shape),
        "frames": [start, stop],
        "noisy_frames": [start + offset, stop + offset],
        "noise": None if config.noise is None else str(config.noise),
    }
    if stop < requested:
        evaluation.metrics["notes"].append(
            f"only frames {start}..{stop - 1} evaluated (max_frames {config.max_frames})"
        )
    return write_report(
        evaluation, config.output, inputs=inputs, config=config.model_dump(mode="json")
    )
