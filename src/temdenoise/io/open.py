"""Open any supported movie file by its extension."""

from __future__ import annotations

import os
from pathlib import Path

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.folder import open_frame_folder
from temdenoise.io.hdf5 import SUFFIXES as HDF5_SUFFIXES
from temdenoise.io.hdf5 import open_hdf5
from temdenoise.io.mrc import SUFFIXES as MRC_SUFFIXES
from temdenoise.io.mrc import open_mrc
from temdenoise.io.npy import open_npy
from temdenoise.io.rosetta import PLUGINS, open_rosetta
from temdenoise.io.tiff import SUFFIXES as TIFF_SUFFIXES
from temdenoise.io.tiff import open_tiff
from temdenoise.io.zarr_store import open_zarr

SUPPORTED = sorted({".npy", ".zarr", *MRC_SUFFIXES, *TIFF_SUFFIXES, *HDF5_SUFFIXES, *PLUGINS})


def open_source(path: str | os.PathLike[str], *, dataset: str | None = None) -> ArraySource:
    """Open a movie or image for reading, lazily; the file is never opened for writing.

    Parameters
    ----------
    path : path-like
        A file (DM3/DM4, MRC, TIFF, EMD, SER/EMI, HDF5/HSPY, NPY), a Zarr store, or a
        folder of one-frame TIFF or DM3/DM4 files (a Gatan in situ recording).
    dataset : str, optional
        Which dataset/array/signal to read in container formats (HDF5, Zarr, EMD).

    Returns
    -------
    ArraySource
        A FrameSource: ``shape`` (frames, rows, columns), ``dtype``, ``metadata``,
        ``read(start, stop)``; use it as a context manager.

    Raises
    ------
    InputError
        One line naming the file: missing, unsupported, corrupt, truncated, not 2-D/3-D,
        empty.
    """
    target = Path(path)
    if not target.exists():
        raise InputError(f"{target}: file not found")
    suffix = target.suffix.lower()
    if target.is_dir():
        if suffix == ".zarr" or (target / "zarr.json").exists() or (target / ".zarray").exists():
            return open_zarr(target, dataset=dataset)
        return open_frame_folder(target)
    if suffix == ".npy":
        return open_npy(target)
    if suffix in MRC_SUFFIXES:
        return open_mrc(target)
    if suffix in TIFF_SUFFIXES:
        return open_tiff(target)
    if suffix in HDF5_SUFFIXES:
        return open_hdf5(target, dataset=dataset)
    if suffix in PLUGINS:
        return open_rosetta(target, dataset=dataset)
    raise InputError(
        f"{target}: unsupported format {suffix or '(no extension)'!r} "
        f"(supported: {', '.join(SUPPORTED)}, or a folder of TIFF or DM frames)"
    )
