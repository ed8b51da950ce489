"""Denoise a movie of any length from a FrameSource into a FrameSink, pipelined and resumable.

Output frames are grouped into fixed blocks of ``block_frames``. A reader thread reads
the next blocks (with the neighbouring frames a multi-frame network needs) and bins them
onto the model's grid, the calling thread runs the network, a writer thread enlarges the
result back to the data's grid and writes it: the network is never kept waiting by I/O or
resampling (NumPy and the codecs release the GIL). Queues of two blocks bound the memory
whatever the movie's length. Blocks the sink already holds are skipped, and every block is
always computed from the same frames in the same batches, so a resumed run gives the
same bytes as an uninterrupted one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from temdenoise._heap import reuse_freed_memory
from temdenoise.errors import InputError
from temdenoise.infer.apply import Precision, denoise_windows
from temdenoise.infer.device import host_threads, resolve_device
from temdenoise.infer.resample import bin_frames, binned_shape, enlarge_frames
from temdenoise.infer.tiling import frame_windows
from temdenoise.io.base import FrameSink, FrameSource
from temdenoise.models.base import Denoiser
from temdenoise.models.layers import fold_norms

QUEUE_BLOCKS = 2


@dataclass(frozen=True)
class Block:
    """Output frames ``start:stop`` (indices into the output), written together."""

    index: int
    start: int
    stop: int


@dataclass(frozen=True)
class MovieStats:
    """What a :func:`denoise_movie` call did."""

    frames: int
    computed_frames: int
    seconds: float

    @property
    def frames_per_second(self) -> float:
        """Frames computed per second of wall time."""
        return self.computed_frames / self.seconds if self.seconds > 0 else 0.0


def plan_blocks(n_frames: int, block_frames: int) -> list[Block]:
    """Cut ``n_frames`` output frames into consecutive blocks of ``block_frames``."""
    if block_frames < 1:
        raise ValueError(f"block_frames must be >= 1, got {block_frames}")
    return [
        Block(i, start, min(start + block_frames, n_frames))
        for i, start in enumerate(range(0, n_frames, block_frames))
    ]


def read_block(
    source: FrameSource,
    block: Block,
    *,
    first: int,
    in_frames: int,
    counts_per_electron: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Frames a block needs and, per output frame, the indices into them.

    Parameters
    ----------
    source : FrameSource
    block : Block
    first : int
        Movie index of output frame 0 (the start of ``--frames``).
    in_frames : int
        Frames the network takes; neighbours come from the whole movie, mirrored only
        at its ends.
    counts_per_electron : float, optional
        The camera's gain: frames are divided by it (float32) to give electron counts.

    Returns
    -------
    stack : ndarray of shape (m, rows, columns)
    windows : ndarray of int, shape (block.stop - block.start, in_frames)
    """
    windows = frame_windows(source.shape[0], in_frames)[first + block.start : first + block.stop]
    lo, hi = int(windows.min()), int(windows.max()) + 1
    stack = source.read(lo, hi)
    if stack.shape[0] != hi - lo:
        raise InputError(f"{source.path}: frames {lo}:{hi} could not be read (file too short)")
    if not np.issubdtype(stack.dtype, np.integer):  # integer counts are always finite
        finite = np.isfinite(stack)
        if not finite.all():
            bad = lo + int(np.argwhere(~finite)[0][0])
            raise InputError(f"{source.path}: frame {bad} contains NaN or infinite values")
    if counts_per_electron:
        stack = stack.astype(np.float32) / np.float32(counts_per_electron)
    return stack, windows - lo


def denoise_block(
    stack: np.ndarray,
    windows: np.ndarray,
    network: Denoiser,
    *,
    factor: float | None = None,
    **options: Any,
) -> np.ndarray:
    """Denoise one block, binned to the model's grid and enlarged back when ``factor`` is set.

    ``options`` go to :func:`~temdenoise.infer.apply.denoise_windows` (tile, halo,
    batch_size, device, precision).
    """
    out = denoise_windows(to_model_grid(stack, factor), network, windows, **options)
    return to_data_grid(out, stack.shape[1:], factor)


def to_model_grid(stack: np.ndarray, factor: float | None, workers: int = 1) -> np.ndarray:
    """Bin frames by area onto the model's grid (unchanged when ``factor`` is None)."""
    if factor is None:
        return stack
    return bin_frames(stack, binned_shape(stack.shape[1:], factor), workers=workers)


def to_data_grid(
    frames: np.ndarray, shape: tuple[int, ...], factor: float | None, workers: int = 1
) -> np.ndarray:
    """Enlarge denoised frames back to the data's ``shape`` (unchanged when ``factor`` is None)."""
    if factor is None:
        return frames
    return enlarge_frames(frames, (int(shape[0]), int(shape[1])), workers=workers)


def denoise_movie(
    source: FrameSource,
    sink: FrameSink,
    network: Denoiser,
    *,
    frames: tuple[int, int] | None = None,
    factor: float | None = None,
    tile: int | tuple[int, int] | None = None,
    halo: int | None = None,
    batch_size: int = 4,
    device: str | torch.device | None = None,
    precision: Precision = "fp32",
    memory_budget: int | None = None,
    conserve_counts: bool = True,
    block_frames: int = 8,
    counts_per_electron: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MovieStats:
    """Denoise movie frames ``frames`` of ``source`` into ``sink``, resuming where it stopped.

    Parameters
    ----------
    source : FrameSource
        The movie (never written).
    sink : FrameSink
        Receives output frames ``0 .. stop - start`` block by block.
    network : Denoiser
    frames : (int, int), optional
        Movie frames ``start:stop`` to denoise; default all.
    factor : float, optional
        Zoom from the data's grid to the model's (see
        :func:`~temdenoise.infer.resample.resample_factor`); None for none.
    tile, halo, batch_size, device, precision, memory_budget, conserve_counts
        As in :func:`~temdenoise.infer.apply.denoise`.
    block_frames : int
        Output frames per block: the unit of resuming and of reading.
    counts_per_electron : float, optional
        The camera's gain: frames are divided by it as they are read.
    progress : callable(done, total), optional
        Called with output frames done (including those already written before) and the
        total, after each block is written.

    Returns
    -------
    MovieStats
    """
    start, stop = frames if frames is not None else (0, source.shape[0])
    shape = source.shape[1:]
    blocks = plan_blocks(stop - start, block_frames)
    done = sink.done()
    pending = [b for b in blocks if b.index not in done]
    total = stop - start
    finished = total - sum(b.stop - b.start for b in pending)
    if progress is not None:
        progress(finished, total)
    options: dict[str, Any] = {
        "tile": tile,
        "halo": halo,
        "batch_size": batch_size,
        "device": device,
        "precision": precision,
        "memory_budget": memory_budget,
        "conserve_counts": conserve_counts,
    }
    # binning and enlarging share the cores the network leaves free, frame by frame
    workers = host_threads(resolve_device(device))
    runner = fold_norms(network)  # once for the movie, not once per block
    t0 = time.perf_counter()
    reads: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_BLOCKS)
    writes: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_BLOCKS)
    stop_event = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for block in pending:
                if stop_event.is_set():
                    return
                stack, windows = read_block(
                    source,
                    block,
                    first=start,
                    in_frames=network.in_frames,
                    counts_per_electron=counts_per_electron,
                )
                item = (block, to_model_grid(stack, factor, workers), windows)
                _put(reads, item, stop_event)
        except BaseException as exc:
            _put(reads, exc, stop_event)
            return
        _put(reads, None, stop_event)

    def writer() -> None:
        nonlocal finished
        try:
            while (item := writes.get()) is not None:
                block, out = item
                sink.write(block.index, block.start, to_data_grid(out, shape, factor, workers))
                finished += block.stop - block.start
                if progress is not None:
                    progress(finished, total)
        except BaseException as exc:
            errors.append(exc)
            stop_event.set()
            while writes.get() is not None:  # drain so the producer never blocks
                pass

    threads = [
        threading.Thread(target=reader, daemon=True),
        threading.Thread(target=writer, daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        with reuse_freed_memory():  # one heap for every block's activations
            for block, on_model_grid, windows in _items(reads, errors):
                writes.put((block, denoise_windows(on_model_grid, runner, windows, **options)))
    finally:
        stop_event.set()
        writes.put(None)
        threads[1].join()
        _drain(reads)
        threads[0].join()
    if errors:
        raise errors[0]
    computed = sum(b.stop - b.start for b in pending)
    return MovieStats(frames=total, computed_frames=computed, seconds=time.perf_counter() - t0)


def _items(
    reads: queue.Queue[Any], errors: list[BaseException]
) -> Iterator[tuple[Block, np.ndarray, np.ndarray]]:
    """Blocks from the reader until it is done, it fails, or the writer has failed."""
    while not errors:
        try:
            item = reads.get(timeout=0.1)
        except queue.Empty:
            continue
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def _put(q: queue.Queue[Any], item: Any, stop_event: threading.Event) -> None:
    while not stop_event.is_set():
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _drain(q: queue.Queue[Any]) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return
