"""Noise model files (``noise.json``): write atomically, read with one-line errors."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from temdenoise._files import default_mode
from temdenoise.errors import InputError
from temdenoise.noise.base import NoiseModel, json_safe


def save_noise_model(model: NoiseModel, path: str | os.PathLike[str]) -> Path:
    """Write ``model.to_dict()`` as indented JSON to ``path`` (temporary file + rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_safe(model.to_dict()), indent=1, allow_nan=False)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text + "\n")
        default_mode(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_noise_model(path: str | os.PathLike[str]) -> NoiseModel:
    """Read a noise model file written by ``temdenoise fit-noise`` or :func:`save_noise_model`.

    Raises
    ------
    InputError
        One line naming the file: missing, not JSON, not a noise model, bad parameters.

    """
    target = Path(path)
    try:
        data = json.loads(target.read_text())
    except FileNotFoundError:
        raise InputError(f"{target}: noise model file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{target}: not a readable JSON noise model ({exc})") from None
    try:
        return NoiseModel.from_dict(data)
    except InputError as exc:
        raise InputError(f"{target}: {exc}") from None
