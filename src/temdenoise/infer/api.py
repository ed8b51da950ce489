"""``temdenoise.denoise``: frames in memory or a lazy movie, at the data's pixel size.

In memory and on the model's grid, this is :func:`~temdenoise.infer.apply.denoise`. A
lazy movie (a :class:`~temdenoise.io.base.FrameSource`, a Dask, Zarr or h5py array, a
memory map) is read and denoised block by block, as ``temdenoise denoise`` does, so only
a few blocks and the output are ever in memory (none of the output either, when ``out``
is a Zarr array or a memory map). With a ``pixel_size``, frames finer than the model's
trained range are binned onto its grid by area and the result enlarged back, exactly as
the command line does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from temdenoise.infer.apply import Precision
from temdenoise.infer.apply import denoise as denoise_in_memory
from temdenoise.infer.device import choose_precision, resolve_device
from temdenoise.infer.resample import resample_factor
from temdenoise.infer.stream import denoise_movie
from temdenoise.io.base import ArraySource, FrameSource
from temdenoise.io.metadata import Metadata
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel, load_model

ARRAY_PATH = Path("<array>")
"""What messages about an array given in memory name as its file."""


class ArraySink:
    """A FrameSink writing into any array that takes slice assignment (ndarray, Zarr, memmap)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self._is_2d = len(out.shape) == 2

    def done(self) -> set[int]:
        """Nothing is written before: an array carries no record of finished blocks."""
        return set()

    def write(self, block: int, start: int, frames: np.ndarray) -> None:
        """Write ``frames`` at output frame ``start`` (a 2-D ``out`` takes the one frame)."""
        if self._is_2d:
            self.out[...] = frames[0]
        else:
            self.out[start : start + frames.shape[0]] = frames

    def finish(self) -> None:
        """Nothing to complete."""


def denoise(
    frames: Any,
    model: Denoiser | LoadedModel | str | os.PathLike[str],
    *,
    pixel_size: float | None = None,
    resample: bool = True,
    out: Any = None,
    block_frames: int = 8,
    tile: int | tuple[int, int] | None = None,
    halo: int | None = None,
    batch_size: int = 4,
    device: str | torch.device | None = None,
    precision: Precision | Literal["auto"] = "auto",
    memory_budget: int | None = None,
    conserve_counts: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Denoise one frame, a stack of frames or a lazy movie.

    Parameters
    ----------
    frames : array_like, lazy array or FrameSource
        Counts per pixel, shape (rows, columns) or (frames, rows, columns). A numpy
        array is denoised in memory; anything else with ``shape``, ``dtype`` and slicing
        (Dask, Zarr, h5py, a memory map) or a FrameSource from
        :func:`temdenoise.io.open_source` is read ``block_frames`` frames at a time.
    model : Denoiser, LoadedModel, shipped name or model file
        A name such as ``"bf-unet"`` or a path is loaded with
        :func:`~temdenoise.models.checkpoint.load_model`.
    pixel_size : float, optional
        Angstrom per pixel of the frames (default: a FrameSource's own calibration).
        Finer than the model's trained range: binned onto the model's grid by area and
        enlarged back; coarser: :class:`~temdenoise.infer.resample.SamplingError`.
        Needs a LoadedModel (or a name or file), which knows its pixel sizes.
    resample : bool
        False denoises on the frames' own grid whatever ``pixel_size`` says.
    out : array, optional
        Where to write the result (shape of ``frames``, float32 or wider), e.g. a Zarr
        array for a movie larger than memory; default a new ndarray.
    block_frames : int
        Frames read and denoised together on the lazy path.
    precision : {"auto", "fp32", "bf16"}
        "auto" (default): bf16 where the device computes it natively and the model's header
        records a bf16 cost under 0.05 dB (:func:`~temdenoise.infer.device.choose_precision`),
        else fp32; a bare network runs in fp32.
    tile, halo, batch_size, device, memory_budget, conserve_counts, progress
        As in :func:`temdenoise.infer.apply.denoise`; on the lazy path ``progress`` is
        called with frames done and the total frames.

    Returns
    -------
    ndarray of float32 (or ``out``), same shape as ``frames``
        Denoised counts per pixel.
    """
    loaded = _load(model, device)
    network = loaded.network if isinstance(loaded, LoadedModel) else loaded
    header = loaded.header if isinstance(loaded, LoadedModel) else None
    chosen = choose_precision(precision, header, resolve_device(device))
    source = _source(frames)
    if pixel_size is None and source is not None:
        pixel_size = source.metadata.pixel_size
    factor = _factor(loaded, pixel_size) if resample else None
    options: dict[str, Any] = {
        "tile": tile,
        "halo": halo,
        "batch_size": batch_size,
        "device": device,
        "precision": chosen,
        "memory_budget": memory_budget,
        "conserve_counts": conserve_counts,
    }
    if source is None and factor is None and out is None:
        return denoise_in_memory(frames, network, progress=progress, **options)
    if source is None:
        source = ArraySource(ARRAY_PATH, np.asarray(frames), Metadata(pixel_size=pixel_size))
    squeeze = np.ndim(frames) == 2 and not isinstance(frames, FrameSource)
    target = np.empty(source.shape, dtype=np.float32) if out is None else out
    shape = tuple(int(s) for s in target.shape)
    if shape != source.shape and not (len(shape) == 2 and (1, *shape) == source.shape):
        raise ValueError(f"out has shape {shape}, the frames {source.shape}")
    sink = ArraySink(target)
    denoise_movie(
        source,
        sink,
        network,
        factor=factor,
        block_frames=block_frames,
        progress=progress,
        **options,
    )
    return target[0] if squeeze and out is None else target


def _load(
    model: Denoiser | LoadedModel | str | os.PathLike[str], device: str | torch.device | None
) -> Denoiser | LoadedModel:
    if isinstance(model, Denoiser | LoadedModel):
        return model
    from temdenoise.pretrained import resolve_model

    return load_model(resolve_model(model), device=device or "cpu")


def _source(frames: Any) -> FrameSource | None:
    """Return the frames as a FrameSource when they are lazy (not an in-memory numpy array)."""
    if isinstance(frames, FrameSource):
        return frames
    if isinstance(frames, np.ndarray) and not isinstance(frames, np.memmap):
        return None
    if hasattr(frames, "shape") and hasattr(frames, "dtype") and hasattr(frames, "__getitem__"):
        return ArraySource(ARRAY_PATH, frames, Metadata())
    return None


def _factor(model: Denoiser | LoadedModel, pixel_size: float | None) -> float | None:
    if pixel_size is None:
        return None
    if not isinstance(model, LoadedModel):
        raise ValueError(
            "pixel_size needs a model that knows its pixel size: pass a LoadedModel, a "
            "shipped name or a model file (or resample=False)"
        )
    h = model.header
    return resample_factor(pixel_size, h.pixel_size, h.trained_pixel_sizes)
