"""NumPy ``.npy`` files, memory-mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.mapped import MappedFrames
from temdenoise.io.metadata import Metadata


def _mapped(path: Path) -> MappedFrames | None:
    """C-ordered plain arrays are mapped read by read; others (None) go to ``np.load``."""
    with path.open("rb") as fh:
        try:
            version = np.lib.format.read_magic(fh)
        except ValueError:
            return None
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            return None
        offset = fh.tell()
    if fortran or dtype.hasobject or len(shape) not in (2, 3):
        return None
    return MappedFrames(path, offset, dtype, shape)


def open_npy(path: Path) -> ArraySource:
    """Open a ``.npy`` array of shape (rows, columns) or (frames, rows, columns) lazily."""
    try:
        array = _mapped(path) or np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "mmap length is greater" in str(exc) or "truncated" in str(exc):
            raise InputError(
                f"{path}: truncated: the header promises more data than the file holds"
            ) from None
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    if not isinstance(array, np.ndarray | MappedFrames):
        raise InputError(f"{path}: not a single .npy array")
    return ArraySource(path, array, Metadata(format="npy", source=str(path)))
