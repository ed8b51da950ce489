"""TIFF: single images, multi-page stacks, BigTIFF (tifffile), and folders of TIFFs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.mapped import MappedFrames
from temdenoise.io.metadata import Metadata, jsonable, to_angstrom

SUFFIXES = (".tif", ".tiff")


class _Pages:
    """Frames of a TIFF series read page by page on demand."""

    def __init__(self, tif: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        self._tif = tif
        self.shape = shape
        self.dtype = dtype

    def __getitem__(self, key: Any) -> np.ndarray:
        if len(self.shape) == 2:
            whole: np.ndarray = np.asarray(self._tif.asarray(series=0))[key]
            return whole
        start, stop, _ = key.indices(self.shape[0]) if isinstance(key, slice) else (key, key + 1, 1)
        if stop <= start:
            return np.empty((0, *self.shape[1:]), self.dtype)
        data = np.asarray(self._tif.asarray(series=0, key=range(start, stop)))
        return data.reshape((stop - start, *self.shape[1:]))


def open_tiff(path: Path) -> ArraySource:
    """Open a TIFF file; memory-mapped when its data are contiguous and uncompressed."""
    import tifffile

    broken = _TiffWarnings()
    logging.getLogger("tifffile").addHandler(broken)
    try:
        tif = tifffile.TiffFile(path)
        series = tif.series[0]
    except (tifffile.TiffFileError, ValueError, OSError, EOFError, IndexError) as exc:
        raise InputError(f"{path}: not a readable TIFF file ({exc})") from None
    finally:
        logging.getLogger("tifffile").removeHandler(broken)
    try:
        shape = tuple(int(s) for s in series.shape)
        axes = str(getattr(series, "axes", ""))
        if "S" in axes and shape[axes.index("S")] > 1:
            raise InputError(
                f"{path}: a colour (RGB) TIFF with {shape[axes.index('S')]} samples per pixel; "
                "counted electrons are one channel: save the counts as a greyscale stack"
            )
        _check_whole(path, tif, series, shape, broken.messages)
        if len(shape) > 3:
            squeezed = tuple(s for s in shape if s != 1)
            if len(squeezed) > 3 or len(squeezed) < 2:
                raise InputError(f"{path}: TIFF series of shape {shape} is not a 2-D or 3-D stack")
            shape = squeezed
        metadata = _metadata(path, tif)
        array: Any
        dtype = np.dtype(series.dtype).newbyteorder(tif.byteorder)
        if series.dataoffset is not None:  # uncompressed and contiguous: map read by read
            array = MappedFrames(path, series.dataoffset, dtype, shape)
        else:
            array = _Pages(tif, shape, np.dtype(series.dtype))
        return ArraySource(path, array, metadata, closer=tif.close)
    except Exception:
        tif.close()
        raise


class _TiffWarnings(logging.Handler):
    """Collects what tifffile says about a damaged file while it is opened."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _check_whole(
    path: Path, tif: Any, series: Any, shape: tuple[int, ...], warnings: list[str]
) -> None:
    """Refuse a TIFF cut short (a copy or a recording stopped early) in one line.

    tifffile reads what it can of a damaged file, often one frame, so a truncated stack
    would silently become a shorter movie: the frame count its ImageJ or tifffile header
    promises, the page chain, and the extent of the data are checked against the file.
    """
    frames = shape[0] if len(shape) == 3 else 1
    promised = None
    if tif.imagej_metadata:
        promised = tif.imagej_metadata.get("images")
    elif tif.shaped_metadata:
        stored = tif.shaped_metadata[0].get("shape")
        promised = int(np.prod(stored[:-2])) if stored and len(stored) > 2 else None
    if promised is not None and int(promised) > frames:
        raise InputError(
            f"{path}: truncated TIFF: its header promises {promised} frames, the file holds "
            f"{frames} (an interrupted copy or recording?)"
        )
    damaged = [m for m in warnings if "offset" in m or "corrupted" in m or "truncat" in m]
    if damaged:
        raise InputError(f"{path}: damaged or truncated TIFF ({damaged[0].strip()})")
    size = path.stat().st_size
    if series.dataoffset is not None and series.dataoffset + series.nbytes > size:
        raise InputError(
            f"{path}: truncated TIFF: its frames need {series.dataoffset + series.nbytes} "
            f"bytes, the file has {size}"
        )


def _metadata(path: Path, tif: Any) -> Metadata:
    original: dict[str, Any] = {}
    pixel_size = None
    instrument = None
    page = tif.pages[0]
    description = page.description or ""
    if description.startswith("{"):
        try:
            ours = json.loads(description).get("temdenoise", {})
        except json.JSONDecodeError:
            ours = {}
        if "metadata" in ours:
            stored = Metadata.from_dict(ours["metadata"])
            return stored.with_(format="tiff", source=str(path), original={"temdenoise": ours})
    if tif.imagej_metadata:
        original["imagej"] = jsonable(tif.imagej_metadata)
        unit = tif.imagej_metadata.get("unit")
        xres = page.tags.get("XResolution")
        if unit and xres is not None:
            num, den = xres.value
            if num:
                pixel_size = to_angstrom(den / num, unit)
    fei = getattr(tif, "fei_metadata", None)
    if fei:
        original["fei"] = jsonable(fei)
        scan = fei.get("Scan", {}) or fei.get("EScan", {})
        pixel_size = to_angstrom(scan.get("PixelWidth"), "m") or pixel_size
        system = fei.get("System", {})
        instrument = system.get("SystemType") or system.get("Source") or None
    return Metadata(
        pixel_size=pixel_size,
        instrument=instrument,
        format="tiff",
        source=str(path),
        original=original,
    )
