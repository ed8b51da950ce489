"""NumPy ``.npy`` files, memory-mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.metadata import Metadata


def open_npy(path: Path) -> ArraySource:
    """Open a ``.npy`` array of shape (rows, columns) or (frames, rows, columns) lazily."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "mmap length is greater than file size" in str(exc):
            raise InputError(
                f"{path}: truncated: the header promises more data than the file holds"
            ) from None
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    if not isinstance(array, np.ndarray):
        raise InputError(f"{path}: not a single .npy array")
    return ArraySource(path, array, Metadata(format="npy", source=str(path)))
