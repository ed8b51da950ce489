"""MRC images, stacks and movies (mrcfile), with FEI extended headers and SerialEM ``.mdoc``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.mapped import MappedFrames
from temdenoise.io.metadata import Metadata, jsonable, to_angstrom

SUFFIXES = (".mrc", ".mrcs", ".st", ".ali", ".rec", ".map")


def open_mrc(path: Path) -> ArraySource:
    """Open an MRC file memory-mapped (read-only)."""
    try:
        mrc, problems = _open(path)
    except (ValueError, OSError, EOFError, OverflowError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, OverflowError):
            text = f"impossible dimensions in the header: {text}"
        if ("Expected" in text and "bytes" in text) or "mmap length is greater" in text:
            raise InputError(
                f"{path}: truncated: the header promises more data than the file holds ({text})"
            ) from None
        raise InputError(f"{path}: not a readable MRC file ({text})") from None
    try:
        metadata = _metadata(path, mrc)
        if problems:
            metadata.original["validation"] = problems
        data = mrc.data
        frames = MappedFrames(path, 1024 + int(mrc.header.nsymbt), data.dtype, data.shape)
    finally:
        mrc.close()
    return ArraySource(path, frames, metadata)


def _open(path: Path) -> tuple[Any, list[str]]:
    """Open strictly; files from older FEI software lack the ``MAP`` ID and open permissively.

    A permissive open is accepted only if its only problems are the missing ID string
    and machine stamp, and the data block is complete.
    """
    import warnings

    import mrcfile

    try:
        return mrcfile.mmap(path, mode="r", permissive=False), []
    except ValueError as exc:
        if "Map ID string not found" not in str(exc):
            raise
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mrc = mrcfile.mmap(path, mode="r", permissive=True)
    problems = [str(w.message) for w in caught]
    tolerated = ("Map ID string not found", "Unrecognised machine stamp")
    if mrc.data is None or any(not p.startswith(tolerated) for p in problems):
        mrc.close()
        detail = "; ".join(problems) or "no data block"
        if any("Expected" in p and "bytes" in p for p in problems):
            raise ValueError(detail)
        raise ValueError(f"Map ID string not found and {detail}")
    return mrc, problems


def _metadata(path: Path, mrc: Any) -> Metadata:
    header = mrc.header
    original: dict[str, Any] = {
        "header": {name: jsonable(header[name]) for name in header.dtype.names if name != "label"},
        "labels": [jsonable(label) for label in header.label[: int(header.nlabl)]],
    }
    pixel = float(mrc.voxel_size.x)
    pixel_size = pixel if pixel > 0 else None
    frame_time = exposure = dose = gain = None
    instrument = None
    exttyp = bytes(header.exttyp).decode("ascii", errors="replace").strip("\x00 ")
    if exttyp in ("FEI1", "FEI2") and mrc.extended_header.size:
        fei = _fei_fields(mrc)
        original["fei_extended_header"] = fei
        pixel_size = to_angstrom(fei.get("Pixel size X"), "m") or pixel_size
        exposure = _positive(fei.get("Integration time"))
        names = [fei.get("Microscope type"), fei.get("Camera name")]
        instrument = " / ".join(str(n) for n in names if n) or None
    elif not exttyp and int(header.nsymbt) == _AGARD_BYTES:
        agard = _agard_fields(mrc)
        if agard:
            original["fei_agard_extended_header"] = agard
            pixel_size = to_angstrom(agard["pixel_size"], "m") or pixel_size
            exposure = _positive(agard["exp_time"]) or exposure
    mdoc = _find_mdoc(path)
    if mdoc is not None:
        fields = _parse_mdoc(mdoc)
        original["mdoc"] = fields
        pixel_size = _positive(fields.get("PixelSpacing")) or pixel_size
        exposure = _positive(fields.get("ExposureTime")) or exposure
        gain = _positive(fields.get("CountsPerElectron"))
        per_area = _positive(fields.get("ExposureDose"))  # electrons per square angstrom
        if per_area and pixel_size:
            dose = per_area * pixel_size**2
    return Metadata(
        pixel_size=pixel_size,
        frame_time=frame_time,
        exposure=exposure,
        dose=dose,
        counts_per_electron=gain,
        instrument=instrument,
        format="mrc",
        source=str(path),
        original=original,
    )


def _fei_fields(mrc: Any) -> dict[str, Any]:
    """First section's FEI extended-header fields that are set."""
    try:
        indexed = mrc.indexed_extended_header
    except (ValueError, AttributeError):
        return {}
    if indexed is None or len(indexed) == 0:
        return {}
    first = indexed[0]
    return {name: jsonable(first[name]) for name in first.dtype.names}


_AGARD_BYTES = 1024 * 32 * 4
_AGARD_FIELDS = (
    "a_tilt",
    "b_tilt",
    "x_stage",
    "y_stage",
    "z_stage",
    "x_shift",
    "y_shift",
    "defocus",
    "exp_time",
    "mean_int",
    "tilt_axis",
    "pixel_size",
    "magnification",
    "ht",
)


def _agard_fields(mrc: Any) -> dict[str, Any]:
    """First section of the older FEI ("Agard") extended header: 1024 records of 32 floats.

    Pixel size is in metres; returned empty when the values are not plausible.
    """
    order = "<" if mrc.header.mode.dtype.byteorder in "<=|" else ">"
    records = np.frombuffer(mrc.extended_header.tobytes(), dtype=f"{order}f4").reshape(-1, 32)
    first = records[0, : len(_AGARD_FIELDS)]
    fields: dict[str, Any] = {name: float(v) for name, v in zip(_AGARD_FIELDS, first, strict=True)}
    if not 1e-13 < fields["pixel_size"] < 1e-6:
        return {}
    fields["tilt_angles"] = [float(a) for a in records[: int(mrc.header.nz), 0]]
    return fields


def _find_mdoc(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + ".mdoc"), path.with_suffix(".mdoc")):
        if candidate.is_file():
            return candidate
    return None


def _parse_mdoc(path: Path) -> dict[str, Any]:
    """Key = value pairs of a SerialEM ``.mdoc`` (the first section's values win)."""
    fields: dict[str, Any] = {}
    for line in path.read_text(errors="replace").splitlines():
        match = re.match(r"\s*([A-Za-z][\w]*)\s*=\s*(.*?)\s*$", line)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = _number(match.group(2))
    return fields


def _number(text: str) -> Any:
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) and number > 0 else None
