"""Trained models shipped inside the package (``NAME.safetensors`` with ``NAME.md`` model cards).

Nothing is downloaded: a model is either here or given as a path.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from temdenoise.errors import ModelFileError

SUFFIX = ".safetensors"


def shipped_models() -> dict[str, Path]:
    """Names and paths of the models shipped with the package, sorted by name."""
    root = Path(str(resources.files(__name__)))
    return {p.name.removesuffix(SUFFIX): p for p in sorted(root.glob(f"*{SUFFIX}"))}


def resolve_model(name_or_path: str | os.PathLike[str]) -> Path:
    """Path of a shipped model by name, or the given path when it is not a shipped name.

    Raises
    ------
    ModelFileError
        For a bare name (no folder, no extension) that is neither shipped nor a file.
    """
    shipped = shipped_models()
    key = os.fspath(name_or_path)
    if key in shipped:
        return shipped[key]
    path = Path(key)
    if not path.exists() and not path.suffix and len(path.parts) == 1:
        names = ", ".join(shipped) or "none yet"
        raise ModelFileError(
            f"{key}: no model of that name is shipped with temdenoise (shipped: {names}) "
            "and no such file"
        )
    return path
