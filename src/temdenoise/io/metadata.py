"""One small metadata schema for every format; the original metadata is kept beside it."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

# Length units to angstrom.
_TO_ANGSTROM = {
    "m": 1e10,
    "cm": 1e8,
    "mm": 1e7,
    "um": 1e4,
    "µm": 1e4,
    "μm": 1e4,
    "micron": 1e4,
    "nm": 10.0,
    "a": 1.0,
    "å": 1.0,
    "Å": 1.0,
    "angstrom": 1.0,
    "pm": 0.01,
}


@dataclass(frozen=True)
class Metadata:
    """What temdenoise needs to know about a movie, whatever its format.

    Attributes
    ----------
    pixel_size : float or None
        Angstrom per pixel (square pixels assumed), None when the file does not say.
    frame_time : float or None
        Seconds between frames.
    exposure : float or None
        Exposure of one frame in seconds.
    dose : float or None
        Electrons per pixel per frame, when the file records it.
    counts_per_electron : float or None
        The camera's gain when the file states it (SerialEM's ``CountsPerElectron``): the
        pixel values are divided by it to give electron counts.
    instrument : str or None
        Microscope and/or detector, free text.
    format : str
        Reader that produced this (e.g. "mrc", "dm").
    source : str
        The file it came from.
    original : dict
        The format's own metadata, JSON-serialisable.
    """

    pixel_size: float | None = None
    frame_time: float | None = None
    exposure: float | None = None
    dose: float | None = None
    counts_per_electron: float | None = None
    instrument: str | None = None
    format: str = ""
    source: str = ""
    original: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dictionary."""
        result: dict[str, Any] = jsonable(asdict(self))
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metadata:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def with_(self, **changes: Any) -> Metadata:
        """Copy with some fields changed."""
        return replace(self, **changes)


def to_angstrom(value: float | None, unit: str | None) -> float | None:
    """Convert a length to angstrom; None when the value or the unit is unknown or not positive."""
    if value is None or unit is None:
        return None
    factor = _TO_ANGSTROM.get(unit.strip().lower()) or _TO_ANGSTROM.get(unit.strip())
    if factor is None or not math.isfinite(float(value)) or float(value) <= 0:
        return None
    return float(value) * factor


def jsonable(value: Any) -> Any:
    """Make nested metadata JSON-serialisable (arrays to lists, bytes to text, others to str)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist()) if value.size <= 4096 else f"<array {value.shape}>"
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip("\x00")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def dumps(value: Any) -> str:
    """JSON text of ``value`` after :func:`jsonable`."""
    return json.dumps(jsonable(value))
