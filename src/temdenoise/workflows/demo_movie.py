"""The demo's movies: the simulated clean movie, the truth on the detector, the noisy counts."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise import __version__
from temdenoise.config import DemoConfig, SimulateConfig
from temdenoise.workflows.demo_folder import content


def simulate_movie(path: Path, config: DemoConfig, progress: Callable[[int, int], None]) -> str:
    """Simulate the clean movie on the model grid into ``path`` (or finish it); a note."""
    from temdenoise.simulate.dataset import write_dataset

    sim = SimulateConfig.build(
        source="demo",
        movie_frames=config.frames,
        size=config.size,
        pixel_size=config.pixel_size,
        dose=config.simulated_dose,
        seed=config.seed,
        workers=config.workers,
    )
    summary = write_dataset(path, sim, progress=progress)
    if summary.simulated == 0:
        return "reused"
    return f"{summary.simulated} frames, {config.workers} worker(s)"


def movie_key(clean: Path, config: DemoConfig) -> str:
    """Return the identity of the movie: its simulation config and the demo's movie settings."""
    import zarr

    attrs = zarr.open_group(clean, mode="r").attrs.asdict()
    identity = {"simulation": attrs.get("config"), "demo": content(config)}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def draw_counts(clean: NDArray[np.floating[Any]], *, seed: int, frame: int) -> NDArray[np.uint16]:
    """Draw Poisson counts for one clean frame, seeded by (seed, frame).

    Parameters
    ----------
    clean : ndarray of shape (rows, columns)
        Expected counts per pixel (>= 0).
    seed, frame : int
        The frame's noise depends on both and on nothing else.

    Returns
    -------
    ndarray of uint16, shape (rows, columns)

    """
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(frame,)))
    return rng.poisson(np.asarray(clean, dtype=np.float64)).astype(np.uint16)


def _reusable(path: Path, key: str) -> bool:
    """Tell whether ``path`` is a finished demo movie of the movie ``key`` (else remove it)."""
    import zarr

    if not path.exists():
        return False
    attrs = zarr.open_group(path, mode="r").attrs.get("temdenoise", {})
    if isinstance(attrs, dict) and attrs.get("provenance", {}).get("demo_key") == key:
        return True
    shutil.rmtree(path)
    return False


def _write_movie(
    path: Path,
    name: str,
    frames: Callable[[int], NDArray[Any]],
    shape: tuple[int, int, int],
    dtype: str,
    config: DemoConfig,
    provenance: dict[str, Any],
    progress: Callable[[int, int], None],
) -> None:
    """Write ``frames(t)`` for every t as array ``name`` of a Zarr group at ``path``, atomically."""
    import zarr

    from temdenoise.io.metadata import Metadata

    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    group = zarr.open_group(partial, mode="w")
    n, rows, cols = shape
    array = group.create_array(name, shape=shape, chunks=(1, rows, cols), dtype=dtype)
    for t in range(n):
        array[t] = frames(t)
        progress(t + 1, n)
    metadata = Metadata(
        pixel_size=config.detector_pixel_size,
        instrument="simulated (temdenoise demo)",
        format="zarr",
        source=str(path),
    )
    group.attrs["temdenoise"] = {
        "metadata": metadata.to_dict(),
        "provenance": {
            "software": "temdenoise",
            "package_version": __version__,
            "command": "demo",
            **provenance,
        },
    }
    partial.rename(path)


def render_truth(
    clean: Path, truth: Path, key: str, config: DemoConfig, progress: Callable[[int, int], None]
) -> bool:
    """Write the truth on the detector grid unless it is there from the same movie."""
    import zarr

    from temdenoise.infer.resample import enlarge_frames

    if _reusable(truth, key):
        progress(config.frames, config.frames)
        return True
    source: Any = zarr.open_group(clean, mode="r")["clean"]
    side = config.detector_size

    def frame(t: int) -> NDArray[Any]:
        rendered: NDArray[Any] = np.asarray(source[t : t + 1], dtype=np.float32)
        if side != config.size:
            rendered = np.maximum(enlarge_frames(rendered, (side, side)), np.float32(0))
        return rendered.reshape(side, side)

    provenance = {
        "clean": str(clean),
        "render": f"enlarged {config.size} -> {side} px (count-conserving cubic spline), >= 0",
        "demo_key": key,
    }
    shape = (source.shape[0], side, side)
    _write_movie(truth, "clean", frame, shape, "float32", config, provenance, progress)
    return False


def add_noise(
    truth: Path, noisy: Path, key: str, config: DemoConfig, progress: Callable[[int, int], None]
) -> bool:
    """Write ``noisy`` from ``truth`` unless it is there from the same movie; True if reused."""
    import zarr

    if _reusable(noisy, key):
        progress(config.frames, config.frames)
        return True
    source: Any = zarr.open_group(truth, mode="r")["clean"]
    provenance = {
        "clean": str(truth),
        "noise": f"Poisson(clean), seed {config.seed} (SeedSequence spawn key = frame)",
        "demo_key": key,
    }

    def frame(t: int) -> NDArray[Any]:
        return draw_counts(np.asarray(source[t]), seed=config.seed, frame=t)

    _write_movie(noisy, "frames", frame, source.shape, "uint16", config, provenance, progress)
    return False
