"""Exact tiling of frames for a network with a finite receptive field (pure).

A frame of ``rows x columns`` is first extended to multiples of the network's
downsampling factor by mirror reflection. The extended frame is cut into equal cores of
``tile`` pixels whose offsets are multiples of the downsampling factor (the last core
along each axis is moved back to end at the edge, overlapping its neighbour). Each core
is read in a window that lies inside the extended frame: ``halo`` pixels of context on
each side that faces another tile, and the frame's own edge, where the network pads as it
did in training, on each side that reaches it (the window then takes more context on the
other side). All windows have one size, so that tiles batch together: the core plus one
halo along an axis cut in two, plus two halos along an axis cut in three or more. After the
network, the window is cropped to the core, placed into the output. When ``halo`` is at
least the receptive radius, every output pixel sees exactly the context and the edges it
would see in one pass over the whole extended frame, so tiled and whole-frame outputs
agree to float32 round-off; and no pixel outside the frame is computed but the extension
to the downsampling factor (a frame that fits in one tile costs its own pixels only).
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
        Core size (rows, columns) in pixels: multiples of ``multiple``.
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
        return len(self._starts(0)) * len(self._starts(1))

    def __iter__(self) -> Iterator[Tile]:
        (tr, tc), (wr, wc) = self.tile, self.input_shape
        (er, ec), h = self.extended, self.halo
        for r0 in self._starts(0):
            r1 = min(r0 + tr, self.shape[0])
            sr = min(max(r0 - h, 0), er - wr)  # the window, inside the extended frame
            for c0 in self._starts(1):
                c1 = min(c0 + tc, self.shape[1])
                sc = min(max(c0 - h, 0), ec - wc)
                yield Tile(
                    source=(slice(sr, sr + wr), slice(sc, sc + wc)),
                    crop=(slice(r0 - sr, r1 - sr), slice(c0 - sc, c1 - sc)),
                    target=(slice(r0, r1), slice(c0, c1)),
                )

    def _starts(self, axis: int) -> list[int]:
        n, t = self.extended[axis], self.tile[axis]
        return [*range(0, n - t, t), n - t]


def plan_tiles(
    shape: tuple[int, int], *, tile: int | tuple[int, int] | None, halo: int, multiple: int = 1
) -> TilePlan:
    """Plan exact tiles for frames of ``shape``.

    Parameters
    ----------
    shape : (int, int)
        Frame size (rows, columns), each >= 1.
    tile : int or (int, int) or None
        Core size; rounded up to a multiple of ``multiple`` and clipped to the
        extended frame. None gives one tile covering the whole frame.
    halo : int
        Context on each side (>= 0), rounded up to a multiple of ``multiple``. It must
        be at least the network's receptive radius for the tiling to be exact; the
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
        Core size (rows, columns), multiples of ``multiple``.
    batch : int
    """
    halo = _round_up(halo, multiple)
    extended = (_round_up(shape[0], multiple), _round_up(shape[1], multiple))
    rows, cols = (_cuts(length, multiple) for length in extended)
    best: tuple[int, int, tuple[int, int]] | None = None
    for batch in range(max(batch_size, 1), 0, -1):
        for tile_r, count_r in rows:
            window_r = window(extended[0], tile_r, halo)
            for tile_c, count_c in cols:
                window_c = window(extended[1], tile_c, halo)
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


def _cuts(length: int, multiple: int) -> list[tuple[int, int]]:
    """(core, number of cores) for each distinct way to cut ``length`` into equal cores."""
    found: dict[int, int] = {}
    for n in range(1, min(MAX_CUTS, length // multiple) + 1):
        tile = min(_round_up(-(-length // n), multiple), length)
        found.setdefault(tile, -(-length // tile))
    return list(found.items())


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
