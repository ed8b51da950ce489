"""The two small protocols behind every format: where frames come from and where they go."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.metadata import Metadata


@runtime_checkable
class FrameSource(Protocol):
    """A movie of ``shape`` (frames, rows, columns) read on demand."""

    path: Path
    shape: tuple[int, int, int]
    dtype: np.dtype[Any]
    metadata: Metadata

    def read(self, start: int, stop: int) -> np.ndarray:
        """Return frames ``start:stop`` as an ndarray of shape (stop - start, rows, columns)."""
        ...

    def close(self) -> None:
        """Release the file."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class FrameSink(Protocol):
    """Where denoised frames go, block by block, resumably."""

    def done(self) -> set[int]:
        """Return the indices of the blocks already fully written."""
        ...

    def write(self, block: int, start: int, frames: np.ndarray) -> None:
        """Write ``frames`` at output frame ``start``, then mark ``block`` done."""
        ...

    def finish(self) -> None:
        """Make the output complete (after every block is written)."""
        ...


class ArraySource:
    """A FrameSource over any lazily sliceable 2-D or 3-D array.

    Parameters
    ----------
    path : Path
        The file (for messages).
    array : array-like
        numpy memmap, h5py dataset, zarr array, dask array... sliced one block at a time.
    metadata : Metadata
    closer : callable, optional
        Called by :meth:`close`.
    """

    def __init__(
        self,
        path: Path,
        array: Any,
        metadata: Metadata,
        closer: Any = None,
    ) -> None:
        shape = tuple(int(s) for s in array.shape)
        if len(shape) not in (2, 3):
            raise InputError(
                f"{path}: expected a 2-D image or a 3-D stack (frames, rows, columns), "
                f"got an array of shape {shape}"
            )
        if 0 in shape:
            raise InputError(f"{path}: the movie is empty (shape {shape})")
        dtype = np.dtype(array.dtype)
        if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
            raise InputError(f"{path}: pixels must be real numbers, got dtype {dtype}")
        self.path = path
        self._array = array
        self._is_2d = len(shape) == 2
        self.shape: tuple[int, int, int] = (1, *shape) if self._is_2d else shape  # type: ignore[assignment]
        self.dtype: np.dtype[Any] = dtype
        self.metadata = metadata
        self._closer = closer

    def read(self, start: int, stop: int) -> np.ndarray:
        """Return frames ``start:stop`` (clipped to the movie) as a new ndarray."""
        start, stop = max(0, start), min(self.shape[0], stop)
        try:
            whole = self._array[...][None] if self._is_2d else self._array
            block = whole[start:stop]
            if hasattr(block, "compute"):  # a dask array from RosettaSciIO's lazy readers
                block = block.compute()
            return np.array(block, copy=True)
        except (OSError, ValueError, EOFError) as exc:  # truncated files, broken chunks
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{self.path}: cannot read frames {start}:{stop} ({detail})") from None

    def close(self) -> None:
        """Release the file."""
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, shape={self.shape}, dtype={self.dtype})"
