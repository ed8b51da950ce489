"""Formats read lazily through RosettaSciIO.

Gatan DM3/DM4, EMD (Velox and Berkeley), TIA SER/EMI and HyperSpy HSPY.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.metadata import Metadata, jsonable, to_angstrom

PLUGINS = {
    ".dm3": ("rsciio.digitalmicrograph", "dm"),
    ".dm4": ("rsciio.digitalmicrograph", "dm"),
    ".emd": ("rsciio.emd", "emd"),
    ".ser": ("rsciio.tia", "ser"),
    ".emi": ("rsciio.tia", "ser"),
    ".hspy": ("rsciio.hspy", "hspy"),
}


def open_rosetta(
    path: Path, *, plugin: str | None = None, dataset: str | None = None
) -> ArraySource:
    """Open a file with the RosettaSciIO reader for its extension (or ``plugin``).

    Parameters
    ----------
    path : Path
    plugin : str, optional
        RosettaSciIO module, e.g. ``"rsciio.hspy"``; default from the extension.
    dataset : str, optional
        Title of the signal to use when the file holds several images or stacks.
    """
    module_name, fmt = PLUGINS.get(path.suffix.lower(), (plugin or "", "hspy"))
    module_name = plugin or module_name
    reader = importlib.import_module(module_name).file_reader
    try:
        signals = reader(str(path), lazy=True)
    except Exception as exc:  # third-party parsers raise anything on a corrupt file
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise InputError(
            f"{path}: not a readable {fmt.upper()} file ({type(exc).__name__}: {detail})"
        ) from None
    signal = _choose(path, signals, dataset)
    return ArraySource(path, signal["data"], _metadata(path, fmt, signal))


def _choose(path: Path, signals: list[dict[str, Any]], dataset: str | None) -> dict[str, Any]:
    images = [s for s in signals if _signal_dims(s) == 2 and len(s["data"].shape) in (2, 3)]
    if dataset is not None:
        named = [s for s in images if _title(s) == dataset]
        if not named:
            titles = ", ".join(repr(_title(s)) for s in images) or "none"
            raise InputError(f"{path}: no image or stack titled {dataset!r} (found: {titles})")
        return named[0]
    if not images:
        raise InputError(f"{path}: holds no 2-D image or 3-D image stack")
    if len(images) > 1:
        stacks = [s for s in images if len(s["data"].shape) == 3]
        if len(stacks) == 1:
            return stacks[0]
        titles = ", ".join(repr(_title(s)) for s in images)
        raise InputError(f"{path}: holds several images ({titles}); choose one with --dataset")
    return images[0]


def _signal_dims(signal: dict[str, Any]) -> int:
    return sum(1 for axis in signal.get("axes", []) if not axis.get("navigate", False))


def _title(signal: dict[str, Any]) -> str:
    return str(signal.get("metadata", {}).get("General", {}).get("title", ""))


def _metadata(path: Path, fmt: str, signal: dict[str, Any]) -> Metadata:
    axes = signal.get("axes", [])
    signal_axes = [a for a in axes if not a.get("navigate", False)]
    nav_axes = [a for a in axes if a.get("navigate", False)]
    pixel_size = None
    if signal_axes:
        last = signal_axes[-1]
        pixel_size = to_angstrom(last.get("scale"), str(last.get("units", "")))
    frame_time = None
    if nav_axes and str(nav_axes[0].get("units", "")).strip() in ("s", "sec", "seconds"):
        scale = float(nav_axes[0].get("scale", 0) or 0)
        frame_time = scale if scale > 0 else None
    md = signal.get("metadata", {})
    tem = md.get("Acquisition_instrument", {}).get("TEM", {})
    exposure = tem.get("Camera", {}).get("exposure") or tem.get("Detector", {}).get("exposure")
    instrument = tem.get("microscope") or None
    return Metadata(
        pixel_size=pixel_size,
        frame_time=frame_time,
        exposure=float(exposure) if isinstance(exposure, int | float) and exposure > 0 else None,
        instrument=str(instrument) if instrument else None,
        format=fmt,
        source=str(path),
        original={
            "axes": jsonable(axes),
            "metadata": jsonable(md),
            "original_metadata": jsonable(signal.get("original_metadata", {})),
        },
    )
