"""What a denoise job checks and says before any work: frames, sampling, counts."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from temdenoise.config import DenoiseConfig
from temdenoise.errors import InputError
from temdenoise.infer.apply import available_memory
from temdenoise.infer.resample import (
    MIN_PIXELS,
    SamplingError,
    binned_shape,
    resample_factor,
    resampled_bytes,
)
from temdenoise.io.base import FrameSource
from temdenoise.models.checkpoint import LoadedModel
from temdenoise.noise.dose import counts_verdict

logger = logging.getLogger(__name__)


def frame_range(config: DenoiseConfig, source: FrameSource) -> tuple[int, int]:
    """Return the movie frames ``start, stop`` the job denoises, checked against the movie."""
    n = source.shape[0]
    first, stop = config.frames
    stop = n if stop is None else stop
    if not 0 <= first < stop <= n:
        raise InputError(
            f"{config.input}: frames {first}:{stop} are outside the movie's {n} frames"
        )
    return first, stop


def choose_sampling(
    config: DenoiseConfig,
    model: LoadedModel,
    data_ps: float | None,
    shape: tuple[int, int, int],
) -> float | None:
    """Choose the zoom onto the model's grid (None: the data's own), checked before any work."""
    if not config.resample:
        return None
    h = model.header
    try:
        factor = resample_factor(data_ps, h.pixel_size, h.trained_pixel_sizes)
    except SamplingError as exc:
        raise InputError(
            f"{config.input}: {exc}, and enlarging it would invent detail the frames do not "
            f"hold; give the true --pixel-size if the file's ({data_ps:.4g} A/px) is wrong, "
            f"or --no-resample to denoise on the data's own grid"
        ) from None
    if factor is None:
        return None
    small = binned_shape(shape[1:], factor)
    if min(small) < MIN_PIXELS:
        raise InputError(
            f"{config.input}: {shape[1]} x {shape[2]} px at {data_ps:.4g} A/px bin to "
            f"{small[0]} x {small[1]} px on the model's grid: too small to denoise"
        )
    need = resampled_bytes(shape[1:], factor, config.block_frames + 2 * model.network.in_frames)
    if need > available_memory():
        raise InputError(
            f"{config.input}: resampling blocks of {config.block_frames} frames of "
            f"{shape[1]} x {shape[2]} px needs {need / 2**30:.1f} GiB, more than is "
            "available; lower --block-frames"
        )
    return factor


def check_counts(config: DenoiseConfig, frame: np.ndarray, gain: float | None) -> None:
    """Refuse frames that cannot be counts; warn about ones that may not be."""
    verdict = counts_verdict(frame if gain is None else np.round(frame))
    if verdict.startswith("not counts"):
        if config.check_counts:
            raise InputError(
                f"{config.input}: frame {config.frames[0]} is {verdict}; the models expect "
                "electron counts: subtract the camera's offset and give --counts-per-electron "
                "(or --skip-count-check to denoise it anyway)"
            )
        logger.warning("%s: frame %d is %s", config.input, config.frames[0], verdict)
    elif not verdict.startswith("integers >= 0") and gain is None:
        logger.warning(
            "%s: frame %d is %s; give --counts-per-electron if it is in camera units",
            config.input,
            config.frames[0],
            verdict,
        )


def say_sampling(path: Path, data_ps: float | None, model_ps: float, factor: float | None) -> None:
    """Log what the job does with the data's pixel size (unknown, binned, or kept)."""
    if data_ps is None:
        logger.warning(
            "%s: pixel size unknown; assuming the model's %.4g A/px (give --pixel-size)",
            path,
            model_ps,
        )
    elif factor is not None:
        logger.info(
            "%s: %.4g A/px is finer than the model's grid: frames are binned by %.4g x %.4g "
            "(counts integrated) to %.4g A/px, denoised, and enlarged back",
            path,
            data_ps,
            1 / factor,
            1 / factor,
            data_ps / factor,
        )
