"""Folders of single-frame files read as one movie: TIFF series and Gatan in situ folders.

Gatan's in situ recordings (GMS 3) write one DM3/DM4 file per frame, in nested folders such
as ``Hour_00/Minute_01/Second_12/..._Frame_0003.dm4``; a TIFF series is one folder of
``frame_0001.tif`` files. Frames are ordered by their paths in natural order (numbers as
numbers), every file must hold one frame of the first file's shape, and the metadata (pixel
size...) are the first file's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource

TIFF = (".tif", ".tiff")
GATAN = (".dm3", ".dm4")


def open_frame_folder(path: Path) -> ArraySource:
    """Open a folder (searched recursively) of one-frame TIFF or DM3/DM4 files as a movie."""
    files = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TIFF + GATAN]
    if not files:
        raise InputError(f"{path}: folder holds no .tif/.tiff or .dm3/.dm4 files")
    kinds = {p.suffix.lower() in GATAN for p in files}
    if len(kinds) > 1:
        raise InputError(f"{path}: folder mixes TIFF and DM files; keep one movie per folder")
    files.sort(key=lambda p: _natural_key(p.relative_to(path)))
    opener = _first_source(files[0])
    with opener(files[0]) as first:
        if first.shape[0] != 1:
            raise InputError(f"{files[0]}: a folder movie must hold one frame per file")
        shape = (len(files), first.shape[1], first.shape[2])
        fmt = "dm-folder" if files[0].suffix.lower() in GATAN else "tiff-folder"
        metadata = first.metadata.with_(format=fmt, source=str(path))
        dtype = first.dtype
    return ArraySource(path, _Frames(files, shape, dtype, opener), metadata)


def _first_source(file: Path) -> Callable[[Path], ArraySource]:
    if file.suffix.lower() in GATAN:
        from temdenoise.io.rosetta import open_rosetta

        return open_rosetta
    from temdenoise.io.tiff import open_tiff

    return open_tiff


class _Frames:
    """Frames of a folder movie, one file per frame, read on demand."""

    def __init__(
        self,
        files: list[Path],
        shape: tuple[int, int, int],
        dtype: np.dtype[Any],
        opener: Callable[[Path], ArraySource],
    ) -> None:
        self._files = files
        self._open = opener
        self.shape = shape
        self.dtype = dtype

    def __getitem__(self, key: slice) -> np.ndarray:
        frames = []
        for file in self._files[key]:
            with self._open(file) as source:
                if source.shape != (1, *self.shape[1:]):
                    raise InputError(
                        f"{file}: frame of shape {source.shape[1:]} differs from the first "
                        f"frame's {self.shape[1:]}"
                    )
                frames.append(source.read(0, 1)[0])
        return np.stack(frames) if frames else np.empty((0, *self.shape[1:]), self.dtype)


def _natural_key(path: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(path))]
