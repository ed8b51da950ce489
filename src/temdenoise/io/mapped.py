"""Frames stored contiguously in a file, memory-mapped one read at a time.

Mapping the whole file once would keep every page read so far mapped into the process,
so its resident memory would grow with the part of the movie already denoised. Mapping
only the frames of each read, and unmapping them after the copy, keeps it flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class MappedFrames:
    """A lazily read C-ordered array of shape (frames, rows, columns) or (rows, columns).

    Parameters
    ----------
    path : Path
    offset : int
        Byte offset of the first pixel in the file.
    dtype : numpy dtype
        Pixel type, with byte order.
    shape : tuple of int
    """

    def __init__(self, path: Path, offset: int, dtype: Any, shape: tuple[int, ...]) -> None:
        self.path = path
        self.offset = int(offset)
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)
        needed = self.offset + int(np.prod(self.shape)) * self.dtype.itemsize
        size = path.stat().st_size
        if size < needed:
            raise ValueError(
                f"truncated: the header promises more data than the file holds "
                f"({needed} bytes needed, {size} present)"
            )

    def __getitem__(self, key: Any) -> np.ndarray:
        if len(self.shape) == 2:
            return self._read(0, 1, self.shape).reshape(self.shape)[key]  # type: ignore[no-any-return]
        if key is Ellipsis:
            key = slice(None)
        if not isinstance(key, slice):
            raise TypeError("MappedFrames supports slicing along frames only")
        start, stop, step = key.indices(self.shape[0])
        if step != 1:
            raise TypeError("MappedFrames supports unit steps only")
        if stop <= start:
            return np.empty((0, *self.shape[1:]), self.dtype)
        return self._read(start, stop, (stop - start, *self.shape[1:]))

    def _read(self, start: int, stop: int, shape: tuple[int, ...]) -> np.ndarray:
        frame_bytes = int(np.prod(self.shape[1:] if len(self.shape) == 3 else self.shape))
        frame_bytes *= self.dtype.itemsize
        mapped = np.memmap(
            self.path,
            mode="r",
            dtype=self.dtype,
            offset=self.offset + start * frame_bytes,
            shape=shape,
        )
        frames = np.array(mapped, copy=True)
        del mapped  # unmaps the pages
        return frames
