"""The demo folder: claiming it, and its summary ``demo.json`` with the settings and results."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from temdenoise import __version__
from temdenoise._files import default_mode
from temdenoise.config import DemoConfig
from temdenoise.errors import ConfigError

if TYPE_CHECKING:
    from temdenoise.workflows.demo import DemoReport

FORMAT = "temdenoise-demo"
MANIFEST = "demo.json"
CONTENT = ("frames", "size", "pixel_size", "detector_pixel_size", "dose", "seed")
"""Settings that decide the simulated and noisy movies: a rerun must share them."""


def content(config: DemoConfig) -> dict[str, Any]:
    """Return the settings of ``config`` that decide the movies (:data:`CONTENT`)."""
    return config.model_dump(mode="json", include=set(CONTENT))


def claim(out: Path, config: DemoConfig) -> dict[str, Any]:
    """Make ``out`` this demo's folder, or refuse a folder that holds something else.

    Returns the previous run's summary (empty for a new folder); the summary on disk
    says "complete": false until this run finishes.
    """
    manifest = out / MANIFEST
    stored: Any = {}
    if manifest.exists():
        try:
            stored = json.loads(manifest.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{manifest}: not a readable demo summary ({exc})") from None
        old = stored.get("config", {}) if isinstance(stored, dict) else {}
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            raise ConfigError(f"{out}: not a temdenoise demo folder; choose another -o")
        differ = [k for k in CONTENT if old.get(k) != content(config)[k]]
        if differ:
            raise ConfigError(
                f"{out}: holds a demo with other settings ({', '.join(differ)} differ); "
                "choose another -o or delete the folder"
            )
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out}: exists and is not a temdenoise demo folder; choose another -o")
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out, manifest_body(config, complete=False))
    return dict(stored)


def manifest_body(
    config: DemoConfig,
    *,
    complete: bool,
    result: DemoReport | None = None,
    inputs: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """Return the body of ``demo.json``: settings, then stages, metrics and files when done."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "package_version": __version__,
        "config": config.model_dump(mode="json"),
        "complete": complete,
    }
    if result is not None:
        body["stages"] = [
            {"name": s.name, "seconds": round(s.seconds, 3), "note": s.note} for s in result.stages
        ]
        body["metrics"] = {
            name: {"noisy": _finite(noisy), "denoised": _finite(denoised)}
            for name, (noisy, denoised) in result.metrics.items()
        }
        body["noise_model"] = result.noise
        body["files"] = {role: str(path) for role, path in result.files.items()}
        body["inputs"] = inputs or {}
    return body


def _finite(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None


def write_manifest(out: Path, body: dict[str, Any]) -> None:
    """Write ``body`` as ``out/demo.json``, atomically."""
    handle, tmp = tempfile.mkstemp(dir=out, prefix=f".{MANIFEST}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(json.dumps(body, indent=2) + "\n")
        default_mode(tmp)
        os.replace(tmp, out / MANIFEST)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
