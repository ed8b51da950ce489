"""Denoise frames held in memory with a network, tile by tile (exact)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike

from temdenoise._heap import reuse_freed_memory
from temdenoise.infer.device import resolve_device
from temdenoise.infer.tiling import (
    Tile,
    TilePlan,
    auto_tile_and_batch,
    frame_windows,
    plan_tiles,
)
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel
from temdenoise.models.layers import fold_norms, has_norms
from temdenoise.models.trim import Sides

Precision = Literal["fp32", "bf16"]
CPU_BUDGET_RANGE = (1 << 30, 8 << 30)
"""Bounds of the CPU activation budget per network call when none is given (bytes)."""
CPU_CALL_PIXELS = 3 << 20
"""Most input pixels of one network call on a CPU when the tile is chosen automatically.

Measured on this project's 2-core machine (one thread, bf16, docs/performance.md): the
DnCNN-20x64 ran at 0.31-0.34 MP/s on calls of 1-2 MP and 0.19 on 8.4 MP, the UNets at
1.2-1.6 against 0.9-1.3 MP/s; the halo a smaller tile adds costs less than that.
"""


def denoise(
    frames: ArrayLike,
    model: Denoiser | LoadedModel,
    *,
    tile: int | tuple[int, int] | None = None,
    halo: int | None = None,
    batch_size: int = 4,
    device: str | torch.device | None = None,
    precision: Precision = "fp32",
    memory_budget: int | None = None,
    conserve_counts: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Denoise one frame or a stack of frames.

    Frames are cut into tiles with a halo of at least the context the network needs
    (:attr:`~temdenoise.models.base.Denoiser.exact_margin`), at offsets aligned to its
    downsampling factor, and the tile cores are placed into the output (no averaging
    of overlaps): the result equals one pass over the whole frame to float32 round-off,
    whatever the tile size. On a window's sides that face another window the network
    drops each layer's wrong border as it goes (``forward_trimmed``), so the halo costs
    about half its pixels. Tiles of several frames
    are batched together. A network taking ``k`` frames is fed the ``k`` frames
    centred on each frame, reflected at the ends of the stack.

    Parameters
    ----------
    frames : array_like of shape (rows, columns) or (frames, rows, columns)
        Counts per pixel (any real dtype; computed in float32). Must be finite.
    model : Denoiser or LoadedModel
        The network. It is moved to ``device`` and run in eval mode (its previous
        train/eval mode is restored afterwards).
    tile : int or (int, int), optional
        Core size of a tile in pixels (rounded up to the downsampling factor). None
        picks the tile and batch (at most ``batch_size``) that fit ``memory_budget``
        and compute the fewest pixels: the whole frame when it fits, else equal tiles.
    halo : int, optional
        Context on each side of a tile; default and minimum: the network's
        ``exact_margin`` (its receptive reach from aligned windows).
    batch_size : int
        Tiles per network call (with ``tile=None``: at most this many).
    device : str or torch.device, optional
        Default: the first CUDA GPU if there is one, else the CPU.
    precision : {"fp32", "bf16"}
        "bf16" runs under bfloat16 autocast (fast on GPUs and on CPUs with AMX-BF16 or
        AVX512-BF16, see :func:`~temdenoise.infer.device.fast_bf16`).
    memory_budget : int, optional
        Bytes of activations one call may use when ``tile`` is None. Default: half
        of the free GPU memory, or a quarter of the available memory (1-8 GiB) on the CPU.
    conserve_counts : bool
        Scale each denoised frame so that its total equals that of its input frame (the
        middle one of a window): the expected counts are conserved. The total of a large
        frame of Poisson counts is known to a fraction of a per cent, while a network
        trained for finitely long can be biased by percents (see docs/io.md). Frames whose
        input or output total is not positive (not counts) are left as they are.
    progress : callable(done, total), optional
        Called after each batch with the number of tiles done and the total.

    Returns
    -------
    ndarray of float32, same shape as ``frames``
        Denoised counts per pixel.

    """
    network = model.network if isinstance(model, LoadedModel) else model
    stack = _as_stack(frames)
    out = denoise_windows(
        stack,
        network,
        frame_windows(stack.shape[0], network.in_frames),
        tile=tile,
        halo=halo,
        batch_size=batch_size,
        device=device,
        precision=precision,
        memory_budget=memory_budget,
        conserve_counts=conserve_counts,
        progress=progress,
    )
    return out[0] if np.ndim(frames) == 2 else out


def denoise_windows(
    stack: np.ndarray,
    network: Denoiser,
    windows: np.ndarray,
    *,
    tile: int | tuple[int, int] | None = None,
    halo: int | None = None,
    batch_size: int = 4,
    device: str | torch.device | None = None,
    precision: Precision = "fp32",
    memory_budget: int | None = None,
    conserve_counts: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Denoise one output frame per row of ``windows`` (the engine behind :func:`denoise`).

    Parameters
    ----------
    stack : ndarray of shape (frames, rows, columns)
        Input frames in counts.
    network : Denoiser
    windows : ndarray of int, shape (n, network.in_frames)
        Row ``i`` lists the indices into ``stack`` fed to the network for output frame ``i``
        (see :func:`~temdenoise.infer.tiling.frame_windows`). Streaming passes a block of
        a movie with its neighbouring frames and the rows for that block.
    tile, halo, batch_size, device, precision, memory_budget, conserve_counts, progress
        As in :func:`denoise`.

    Returns
    -------
    ndarray of float32, shape (n, rows, columns)
    """
    _, rows, cols = stack.shape
    if windows.ndim != 2 or windows.shape[1] != network.in_frames:
        raise ValueError(f"windows must have shape (n, {network.in_frames}), got {windows.shape}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    margin = network.exact_margin
    if halo is None:
        halo = margin
    elif halo < margin:
        raise ValueError(
            f"halo of {halo} px is less than the {margin} px the network needs (its receptive "
            "reach from windows aligned to its downsampling factor): tiles would not match "
            "the whole-frame result"
        )
    dev = resolve_device(device)
    autocast = _autocast(dev, precision)
    if tile is None:
        tile, batch_size = auto_tile_and_batch(
            (rows, cols),
            halo=halo,
            multiple=network.downsampling,
            bytes_per_pixel=activation_bytes(network, precision),
            batch_size=batch_size,
            budget_bytes=memory_budget or default_memory_budget(dev),
            call_pixels=call_pixels(dev),
        )
    plan = plan_tiles((rows, cols), tile=tile, halo=halo, multiple=network.downsampling)
    out = np.empty((windows.shape[0], rows, cols), dtype=np.float32)
    total = windows.shape[0] * len(plan)
    # norms folded into the convolutions (a copy; denoise_movie folds once per movie);
    # channels_last: oneDNN's fast convolutions on the CPU, tensor cores on the GPU (both
    # measured in docs/performance.md)
    runner = fold_norms(network) if has_norms(network) else network.eval()
    runner.to(dev).to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    with reuse_freed_memory():  # the activations' memory, reused call after call
        done = 0
        for batch, inputs in _batches(stack, plan, windows, batch_size):
            # tiles that face the same neighbours share a call: their halo is trimmed as
            # the network goes (valid convolutions there), so their outputs match in shape
            groups: dict[Sides, list[int]] = {}
            for n, (_, t) in enumerate(batch):
                groups.setdefault(Sides(*plan.sides(t)), []).append(n)
            for sides, members in groups.items():
                x = torch.from_numpy(inputs[members] if len(groups) > 1 else inputs)
                x = x.to(dev).contiguous(memory_format=torch.channels_last)
                with torch.inference_mode(), autocast:
                    y, offset = runner.forward_trimmed(x, sides)
                result = y[:, 0].float().cpu().numpy()
                for n, tile_out in zip(members, result, strict=True):
                    i, t = batch[n]
                    out[(i, *t.target)] = tile_out[_core(t, offset, tile_out.shape, plan.halo)]
            done += len(batch)
            if progress is not None:
                progress(done, total)
    if conserve_counts:
        middle = windows[:, windows.shape[1] // 2]
        for i, j in enumerate(middle):
            total_in = float(np.sum(stack[int(j)], dtype=np.float64))
            total_out = float(np.sum(out[i], dtype=np.float64))
            if total_in > 0 and total_out > 0:
                out[i] *= np.float32(total_in / total_out)
    return out


def _core(
    tile: Tile, offset: tuple[int, int], shape: tuple[int, ...], halo: int
) -> tuple[slice, slice]:
    """Slice ``tile``'s core out of a trimmed output that starts at ``offset`` in its window."""
    rows, columns = tile.crop
    r, c = offset
    if not (
        r <= rows.start
        and rows.stop <= r + shape[0]
        and c <= columns.start
        and columns.stop <= c + shape[1]
    ):
        raise ValueError(
            "the network understates its receptive radius: a window's exact output stops "
            f"short of its core (halo {halo} px)"
        )
    return slice(rows.start - r, rows.stop - r), slice(columns.start - c, columns.stop - c)


def _as_stack(frames: ArrayLike) -> np.ndarray:
    arr = np.asarray(frames)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"frames must have shape (rows, columns) or (frames, rows, columns), got {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"frames are empty: shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"frames must be real numbers (counts), got dtype {arr.dtype}")
    return arr if arr.ndim == 3 else arr[None]


def _batches(
    stack: np.ndarray, plan: TilePlan, windows: np.ndarray, batch_size: int
) -> Iterator[tuple[list[tuple[int, Tile]], np.ndarray]]:
    """Yield (jobs, network input of shape (B, k, rows, columns)) frame by frame.

    Only the padded frames the current batch needs are kept in memory.
    """
    jobs = ((i, t) for i in range(windows.shape[0]) for t in plan)
    padded: dict[int, np.ndarray] = {}
    while batch := list(itertools.islice(jobs, batch_size)):
        needed = {int(j) for i, _ in batch for j in windows[i]}
        for j in set(padded) - needed:
            del padded[j]
        for j in sorted(needed - set(padded)):
            padded[j] = _pad_frame(stack, j, plan)
        inputs = np.stack(
            [np.stack([padded[int(j)][t.source] for j in windows[i]]) for i, t in batch]
        )
        yield batch, inputs


def _pad_frame(stack: np.ndarray, index: int, plan: TilePlan) -> np.ndarray:
    frame = np.asarray(stack[index], dtype=np.float32)
    if not np.isfinite(frame).all():
        raise ValueError(f"frame {index} contains NaN or infinite values")
    return np.pad(frame, plan.pad_width, mode="reflect")


def _autocast(
    device: torch.device, precision: Precision
) -> contextlib.AbstractContextManager[None]:
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "bf16":  # on a CPU without native bf16 it runs, slowly
        return torch.autocast(device.type, dtype=torch.bfloat16)
    raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")


def activation_bytes(network: Denoiser, precision: Precision) -> int:
    """Peak activation bytes per input pixel of ``network`` in ``precision``.

    Under bf16 autocast the convolutions keep their activations in bfloat16: measured
    here, the peak resident memory of one forward pass grew by half the fp32 figure
    (UNet-4x32: 944 -> 502 bytes per pixel; DnCNN-20x64: 769 -> 385).
    """
    full = network.activation_bytes_per_pixel
    return full // 2 if precision == "bf16" else full


def call_pixels(device: torch.device) -> int | None:
    """Most input pixels of one automatically tiled network call: capped on a CPU only."""
    return None if device.type == "cuda" else CPU_CALL_PIXELS


def default_memory_budget(device: torch.device) -> int:
    """Bytes of activations one network call may use.

    Half the free GPU memory; on the CPU a quarter of the available memory, kept
    between 1 and 8 GiB.
    """
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free // 2)
    low, high = CPU_BUDGET_RANGE
    return int(min(high, max(low, available_memory() // 4)))


def available_memory() -> int:
    """MemAvailable on Linux, else free physical pages; 4 GiB when neither is known."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 4 << 30
