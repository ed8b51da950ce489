"""temdenoise: denoise large, shot-noise-limited in situ TEM movies.

Images are float32 in expected electron counts per pixel per frame, with axes
(frame, row, column) and a pixel size in angstrom per pixel.

``import temdenoise`` is cheap: PyTorch and the rest load on first use of the
names below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "denoise", "load_model", "save_model"]

_LAZY = {
    "denoise": "temdenoise.infer",
    "load_model": "temdenoise.models.checkpoint",
    "save_model": "temdenoise.models.checkpoint",
}

if TYPE_CHECKING:
    from temdenoise.infer import denoise
    from temdenoise.models.checkpoint import load_model, save_model


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'temdenoise' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
