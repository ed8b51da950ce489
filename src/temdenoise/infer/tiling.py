"""Exact tiling of frames for a network with a finite receptive field (pure).

A frame of ``rows x columns`` is first extended to multiples of the network's
downsampling factor by mirror reflection, then read in windows of one size (so that they
batch together) whose offsets are multiples of the downsampling factor and which lie inside
the extended frame. A window's output is exact ``halo`` pixels in from each side that faces
another window, and up to the frame's own edge on a side that reaches it (the network pads
there as it did in training). Windows follow one another as closely as that allows: the
first and last along an axis have one inexact side, so their cores are a halo longer than
the others', and the last is moved back to end at the edge. Each output pixel comes from
exactly one window's core. The window size follows from ``tile``, the core of a window with
context on both sides: ``tile`` plus one halo along an axis cut in two, plus two along an
axis cut in three or more. When ``halo`` is at least the network's reach from an aligned
window (``Denoiser.exact_margin``, at most its receptive radius), every output
pixel sees exactly the context and the edges it would see in one pass over the whole
extended frame, so tiled and whole-frame outputs agree to float32 round-off; and no pixel
outside the frame is computed but the extension to the downsampling factor (a frame that
fits in one tile costs its own pixels only).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tile:
    """One tile: where to read it in the extended frame and where its core goes.

    ``source`` slices the extended frame (rows, columns) for the network input;
    ``crop`` slices the network output; ``target`` slices the output frame.
    """

    source: tuple[slice, slice]
    crop: tuple[slice, slice]
    target: tuple[slice, slice]


@dataclass(frozen=True)
class TilePlan:
    """How to cut frames of one shape into tiles.

    Attributes
    ----------
    shape : (int, int)
        Frame size (rows, columns).
    tile : (int, int)
        Core (rows, columns) of a window with context on both sides, multiples of
        ``multiple``: it sets the window size (:attr:`input_shape`).
    halo : int
        Context read on each side of a core that faces another core, a multiple of
        ``multiple``.
    multiple : int
        The network's downsampling factor.

    """

    shape: tuple[int, int]
    tile: tuple[int, int]
    halo: int
    multiple: int

    @property
    def extended(self) -> tuple[int, int]:
        """Frame size rounded up to multiples of ``multiple``."""
        return (_round_up(self.shape[0], self.multiple), _round_up(self.shape[1], self.multiple))

    @property
    def input_shape(self) -> tuple[int, int]:
        """Size of every network input: the core and the halos its position can need."""
        return (
            window(self.extended[0], self.tile[0], self.halo),
            window(self.extended[1], self.tile[1], self.halo),
        )

    @property
    def pad_width(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``np.pad`` widths that extend a frame to multiples of ``multiple`` (reflect)."""
        er, ec = self.extended
        return ((0, er - self.shape[0]), (0, ec - self.shape[1]))

    def __len__(self) -> int:
        return len(self._axis(0)) * len(self._axis(1))

    def __iter__(self) -> Iterator[Tile]:
        wr, wc = self.input_shape
        columns = self._axis(1)
        for sr, r0, r1 in self._axis(0):
            for sc, c0, c1 in columns:
                yield Tile(
                    source=(slice(sr, sr + wr), slice(sc, sc + wc)),
                    crop=(slice(r0 - sr, r1 - sr), slice(c0 - sc, c1 - sc)),
                    target=(slice(r0, r1), slice(c0, c1)),
                )

    def sides(self, tile: Tile) -> tuple[bool, bool, bool, bool]:
        """Tell which sides of ``tile``'s window face another window: top, bottom, left, right.

        The others reach the extended frame's edge.
        """
        (rows, columns), (er, ec) = tile.source, self.extended
        return rows.start > 0, rows.stop < er, columns.start > 0, columns.stop < ec

    def _axis(self, axis: int) -> list[tuple[int, int, int]]:
        """(window start, core start, core stop) of each window along ``axis``."""
        return axis_windows(
            self.shape[axis], self.extended[axis], self.input_shape[axis], self.halo
        )


def axis_windows(length: int, extended: int, size: int, halo: int) -> list[tuple[int, int, int]]:
    """(window start, core start, core stop) of windows of ``size`` covering ``length`` px.

    Each window starts as late as keeps the output exact from where the previous core
    stopped (``halo`` px of context before it), at most at ``extended - size``; its core
    stops ``halo`` px before its end, or at ``length`` when it reaches the extended edge.
    ``size`` must exceed ``2 * halo`` unless two windows cover the axis.
    """
    if size >= extended:
        return [(0, 0, length)]
    found = [(0, 0, min(size - halo, length))]
    while found[-1][2] < length:
        stop = found[-1][2]
        start = min(stop - halo, extended - size)
        if start <= found[-1][0]:
            raise ValueError(f"windows of {size} px with a halo of {halo} cannot advance")
        last = start == extended - size
        found.append((start, stop, length if last else min(start + size - halo, length)))
    return found


def plan_tiles(
    shape: tuple[int, int], *, tile: int | tuple[int, int] | None, halo: int, multiple: int = 1
) -> TilePlan:
    """Plan exact tiles for frames of ``shape``.

    Parameters
    ----------
    shape : (int, int)
        Frame size (rows, columns), each >= 1.
    tile : int or (int, int) or None
        Core of a window with context on both sides, which sets the window size (see the
        module); rounded up to a multiple of ``multiple`` and clipped to the extended
        frame. None gives one tile covering the whole frame.
    halo : int
        Context on each side (>= 0), rounded up to a multiple of ``multiple``. It must
        be at least the network's ``exact_margin`` for the tiling to be exact; the
        caller checks that.
    multiple : int
        The network's downsampling factor (>= 1).

    Returns
    -------
    TilePlan

    """
    rows, cols = (int(s) for s in shape)
    if rows < 1 or cols < 1:
        raise ValueError(f"frame shape must be at least 1 x 1, got {shape}")
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, got {multiple}")
    if halo < 0:
        raise ValueError(f"halo must be >= 0, got {halo}")
    extended = (_round_up(rows, multiple), _round_up(cols, multiple))
    if tile is None:
        core = extended
    else:
        wanted = (tile, tile) if isinstance(tile, int) else tile
        if min(wanted) < 1:
            raise ValueError(f"tile must be >= 1 pixel, got {tile}")
        core = (
            min(_round_up(int(wanted[0]), multiple), extended[0]),
            min(_round_up(int(wanted[1]), multiple), extended[1]),
        )
    return TilePlan(
        shape=(rows, cols), tile=core, halo=_round_up(halo, multiple), multiple=multiple
    )


def auto_tile_and_batch(
    shape: tuple[int, int],
    *,
    halo: int,
    multiple: int,
    bytes_per_pixel: int,
    batch_size: int,
    budget_bytes: int,
    call_pixels: int | None = None,
) -> tuple[tuple[int, int], int]:
    """Tile and batch (at most ``batch_size``) that compute the fewest pixels in the budget.

    Halos are computed and thrown away: a whole frame in a batch of one usually beats
    four overlapping tiles in a batch of four, and two rows of three tiles can beat three
    of three. Every grid of up to :data:`MAX_CUTS` tiles per axis is weighed; ties go to
    the larger batch. ``call_pixels``, when given, also caps the input pixels of one
    network call (batch x window): on a CPU a call much larger than a few megapixels
    runs slower per pixel than smaller ones cost in halo (docs/performance.md).

    Returns
    -------
    tile : (int, int)
        ``tile`` for :func:`plan_tiles` (rows, columns), multiples of ``multiple``.
    batch : int
    """
    halo = _round_up(halo, multiple)
    extended = (_round_up(shape[0], multiple), _round_up(shape[1], multiple))
    axes = [_windows_per_core(shape[a], extended[a], halo, multiple) for a in (0, 1)]
    best: tuple[int, int, tuple[int, int]] | None = None
    for batch in range(max(batch_size, 1), 0, -1):
        for tile_r, (window_r, count_r) in axes[0].items():
            for tile_c, (window_c, count_c) in axes[1].items():
                pixels = window_r * window_c * batch
                if pixels * bytes_per_pixel > budget_bytes:
                    continue
                if call_pixels is not None and pixels > call_pixels:
                    continue
                computed = count_r * count_c * window_r * window_c
                if best is None or computed < best[0]:
                    best = (computed, batch, (tile_r, tile_c))
    if best is None:  # nothing fits: the smallest tiles, one at a time
        return (min(multiple, extended[0]), min(multiple, extended[1])), 1
    return best[2], best[1]


MAX_CUTS = 64
"""Most tiles along one axis that :func:`auto_tile_and_batch` considers."""


def window(extended: int, tile: int, halo: int) -> int:
    """Length of every window along an axis of ``extended`` px cut into cores of ``tile``."""
    count = -(-extended // tile)
    return min(tile + min(count - 1, 2) * halo, extended)


def _windows_per_core(
    length: int, extended: int, halo: int, multiple: int
) -> dict[int, tuple[int, int]]:
    """{core: (window, windows)} for each distinct way to cut an axis.

    For ``n`` windows the smallest window that covers the axis is
    ``(extended + 2 * halo * (n - 1)) / n`` (its first and last cores are a halo longer);
    cores of equal cuts of the axis are weighed too.
    """
    found: dict[int, tuple[int, int]] = {}
    for n in range(1, min(MAX_CUTS, extended // multiple) + 1):
        cores = {min(_round_up(-(-extended // n), multiple), extended)}
        if n >= 3:
            size = _round_up(-(-(extended + 2 * halo * (n - 1)) // n), multiple)
            if size - 2 * halo >= multiple:
                cores.add(size - 2 * halo)
        for core in cores - set(found):
            size = window(extended, core, halo)
            found[core] = (size, len(axis_windows(length, extended, size, halo)))
    return found


def frame_windows(n_frames: int, k: int) -> np.ndarray:
    """Return the ``k`` frame indices centred on each frame, reflected at the movie's ends.

    Parameters
    ----------
    n_frames : int
        Number of frames (>= 1).
    k : int
        Window length, odd.

    Returns
    -------
    ndarray of int, shape (n_frames, k)
        Row ``i`` lists the frames fed to the network to denoise frame ``i``; frame
        ``-1`` reads as frame ``1`` and frame ``n`` as frame ``n - 2`` (mirror without
        repeating the end frame). A one-frame movie repeats its frame.

    """
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    if k < 1 or k % 2 == 0:
        raise ValueError(f"window length must be a positive odd number, got {k}")
    idx = np.arange(n_frames)[:, None] + np.arange(k)[None, :] - k // 2
    if n_frames == 1:
        return np.zeros_like(idx)
    period = 2 * (n_frames - 1)
    idx = np.mod(idx, period)
    windows: np.ndarray = np.where(idx >= n_frames, period - idx, idx)
    return windows


def _round_up(value: int, multiple: int) -> int:
    return -(-int(value) // multiple) * multiple
