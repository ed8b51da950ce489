"""Write a simulated dataset (Zarr v3): clean images, a parameter table and provenance.

Layout of ``OUT.zarr`` (a group)::

    clean                 (n, rows, columns) float32, chunk = one image, fill NaN:
                          expected counts per pixel, vacuum mean = dose
    parameters/<name>     (n,) one array per randomized or derived value (see COLUMNS);
                          categorical columns are int8 codes with attrs['categories']
    attrs                 format, kind ('images' or 'movie'), axes, pixel_size (A),
                          dose, splits {name: [start, stop]}, config, versions, complete

Every random value is drawn first (:mod:`temdenoise.simulate.plan`); a rerun on the
same path finishes the images whose chunk is missing (the written chunk is the resume
marker). Worker processes (:mod:`temdenoise.simulate.render`) only compute; this process
writes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise import __version__
from temdenoise.config import SimulateConfig
from temdenoise.config.specimen import DEFECTS, SCENES, SHAPES
from temdenoise.errors import ConfigError, InputError
from temdenoise.simulate.plan import SPLITS, ImageTask, plan
from temdenoise.simulate.render import Renderer, render_tasks
from temdenoise.simulate.transfer import check_sampling

logger = logging.getLogger(__name__)

FORMAT = "temdenoise-simulated"
FORMAT_VERSION = 1

COLUMNS: dict[str, tuple[str, str]] = {
    "split": ("int8", "split: train, test or movie (categories)"),
    "kind": ("int8", "scene: particle, support or vacuum (categories)"),
    "shape": ("int8", "particle shape (categories; '' without a particle)"),
    "diameter": ("float32", "target volume-equivalent particle diameter, A"),
    "truncation": ("float32", "fraction of (111) layers cut at the interface"),
    "defect": ("int8", "surface defect type (categories)"),
    "defect_count": ("int32", "atoms removed or added by the defect"),
    "defect_seed": ("int64", "seed of the defect placement"),
    "support_thickness": ("float32", "support thickness along the beam, A"),
    "interface_row": ("float32", "support surface, fraction of the rows from the top"),
    "particle_column": ("float32", "particle centre, fraction of the columns"),
    "support_offset": ("float32", "lateral shift of the support lattice, A"),
    "tilt_row_axis": ("float32", "tilt about the row axis, degrees"),
    "tilt_column_axis": ("float32", "tilt about the column axis, degrees"),
    "rotation": ("float32", "in-plane rotation, degrees"),
    "defocus": ("float32", "-C10, A (negative: overfocus)"),
    "focal_spread": ("float32", "1/e half-width of the defocus spread, A"),
    "angular_spread": ("float32", "beam convergence semi-angle, mrad"),
    "vibration": ("float32", "Gaussian blur standard deviation, A"),
    "phonon_seed": ("int64", "seed of the frozen-phonon displacements"),
    "particle_rotation": ("float32", "movie: particle rotation since frame 0, degrees"),
    "drift_row": ("float32", "movie: specimen drift along the rows since frame 0, A"),
    "drift_column": ("float32", "movie: specimen drift along the columns since frame 0, A"),
    "hops": ("int32", "movie: surface hops since the previous frame"),
    "appeared": ("int32", "movie: atoms that appeared since the previous frame"),
    "vanished": ("int32", "movie: atoms that vanished since the previous frame"),
    "n_atoms": ("int32", "atoms in the simulated box (-1: not yet simulated)"),
    "n_particle_atoms": ("int32", "atoms of the particle (-1: not yet simulated)"),
    "specimen_thickness": ("float32", "extent of the atoms along the beam, A (NaN: not yet)"),
}
"""Parameter table columns: name -> (dtype, meaning and unit)."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "split": SPLITS,
    "kind": SCENES,
    "shape": ("", *SHAPES),
    "defect": DEFECTS,
}
DERIVED = ("n_atoms", "n_particle_atoms", "specimen_thickness")


@dataclass
class DatasetSummary:
    """What :func:`write_dataset` did."""

    path: Path
    total: int
    simulated: int
    skipped: int
    splits: dict[str, list[int]] = field(default_factory=dict)


def _content_config(config: SimulateConfig) -> dict[str, Any]:
    """Return the config values that decide the content (not how it is computed)."""
    values = config.model_dump(mode="json")
    values.pop("workers")
    return values


def _encode(name: str, values: list[Any]) -> NDArray[Any]:
    if name in CATEGORIES:
        return np.array([CATEGORIES[name].index(v) for v in values], dtype=np.int8)
    return np.asarray(values, dtype=COLUMNS[name][0])


def _splits(tasks: list[ImageTask]) -> dict[str, list[int]]:
    spans: dict[str, list[int]] = {}
    for task in tasks:
        span = spans.setdefault(task.split, [task.index, task.index + 1])
        span[1] = task.index + 1
    return spans


def _create(path: Path, config: SimulateConfig, tasks: list[ImageTask]) -> Any:
    import zarr

    from temdenoise.simulate.hrtem import versions

    root = zarr.open_group(path, mode="w-")
    n, size = len(tasks), config.size
    root.create_array(
        "clean", shape=(n, size, size), chunks=(1, size, size), dtype="float32", fill_value=np.nan
    )
    table = root.create_group("parameters")
    records = [task.record() for task in tasks]
    for name, (dtype, meaning) in COLUMNS.items():
        fill = -1 if np.dtype(dtype).kind == "i" else np.nan
        array = table.create_array(
            name, shape=(n,), chunks=(max(n, 1),), dtype=dtype, fill_value=fill
        )
        array.attrs.update({"description": meaning})
        if name in CATEGORIES:
            array.attrs.update({"categories": list(CATEGORIES[name])})
        if name not in DERIVED and n:
            array[:] = _encode(name, [r[name] for r in records])
    movie = config.movie_frames is not None
    root.attrs.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kind": "movie" if movie else "images",
            "axes": ["frame" if movie else "image", "row", "column"],
            "pixel_size": config.pixel_size,
            "pixel_size_unit": "angstrom",
            "dose": config.dose,
            "units": "expected electrons per pixel; vacuum mean = dose",
            "splits": _splits(tasks),
            "config": _content_config(config),
            "versions": {"temdenoise": __version__, **versions()},
            "complete": False,
        }
    )
    return root


def _open(path: Path, config: SimulateConfig, tasks: list[ImageTask]) -> Any:
    import zarr

    if not path.exists():
        return _create(path, config, tasks)
    try:
        root = zarr.open_group(path, mode="r+")
    except Exception as exc:
        raise InputError(f"{path}: exists and is not a Zarr group ({exc})") from None
    if root.attrs.get("format") != FORMAT:
        raise InputError(f"{path}: exists and is not a temdenoise simulated dataset")
    attrs: dict[str, Any] = root.attrs.asdict()
    stored: dict[str, Any] = dict(attrs.get("config") or {})
    wanted = _content_config(config)
    differ = sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))
    if differ:
        raise ConfigError(
            f"{path}: was written with a different config ({', '.join(differ)} differ); "
            "choose another output path to start a new dataset"
        )
    return root


def written_images(array: Any) -> set[int]:
    """Return the indices of the images whose chunk is in the store (the resume marker).

    Parameters
    ----------
    array : zarr.Array
        An array chunked one image per chunk along its first axis.

    Returns
    -------
    set of int

    """
    from zarr.core.sync import sync

    async def keys() -> list[str]:
        store = array.store_path.store
        return [key async for key in store.list_prefix(array.store_path.path)]

    done = set()
    for key in sync(keys()):
        parts = key.rsplit("/c/", 1)
        if len(parts) == 2:
            done.add(int(parts[1].split("/")[0]))
    return done


def write_dataset(
    path: str | os.PathLike[str],
    config: SimulateConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> DatasetSummary:
    """Simulate a dataset into a Zarr group, or finish one that a previous run left.

    Parameters
    ----------
    path : str or path-like
        Output ``.zarr`` directory. If it exists it must hold a dataset written with
        the same config (``workers`` aside): the missing images are then simulated.
    config : SimulateConfig
        What to simulate, and ``workers`` processes to do it with.
    progress : callable (done, total), optional
        Called once at the start with the images already present and after each
        image is written.

    Returns
    -------
    DatasetSummary

    Raises
    ------
    ConfigError
        ``path`` holds a dataset made with another config, or the pixel size would alias
        (:func:`~temdenoise.simulate.transfer.check_sampling`).
    InputError
        ``path`` exists and is not such a dataset.

    """
    check_sampling(config)
    target = Path(path)
    tasks = plan(config)
    root = _open(target, config, tasks)
    clean = root["clean"]
    table = root["parameters"]
    done = written_images(clean)
    todo = [task for task in tasks if task.index not in done]
    total = len(tasks)
    if progress is not None:
        progress(total - len(todo), total)
    logger.debug("%s: %d of %d images to simulate", target, len(todo), total)
    renderer = Renderer.from_config(config)
    count = total - len(todo)
    simulated = 0
    pending: dict[str, dict[int, float]] = {name: {} for name in DERIVED}
    try:
        for index, image, derived in render_tasks(renderer, todo, config.workers):
            clean[index] = image
            for name, value in derived.items():
                pending[name][index] = value
            simulated += 1
            count += 1
            if progress is not None:
                progress(count, total)
            if simulated % 32 == 0:
                _flush(table, pending)
    finally:
        _flush(table, pending)
    _fill_derived(table, renderer, tasks, written_images(clean))
    root.attrs.update({"complete": len(written_images(clean)) == total})
    return DatasetSummary(target, total, simulated, total - len(todo), _splits(tasks))


def _flush(table: Any, pending: dict[str, dict[int, float]]) -> None:
    for name, values in pending.items():
        if values:
            column = table[name][:]
            for index, value in values.items():
                column[index] = value
            table[name][:] = column
            values.clear()


def _fill_derived(table: Any, renderer: Renderer, tasks: list[ImageTask], done: set[int]) -> None:
    """Record derived values of written images that an interrupted run did not record."""
    missing = sorted(i for i in done if table["n_atoms"][i] < 0)
    pending: dict[str, dict[int, float]] = {name: {} for name in DERIVED}
    for index in missing:
        for name, value in renderer.derived(renderer.atoms(tasks[index])).items():
            pending[name][index] = value
    _flush(table, pending)


def read_parameters(path: str | os.PathLike[str]) -> dict[str, NDArray[Any]]:
    """Read the parameter table of a dataset, categorical columns decoded to strings.

    Parameters
    ----------
    path : str or path-like
        A dataset written by :func:`write_dataset`.

    Returns
    -------
    dict of str to ndarray of shape (n,)

    """
    import zarr

    table: Any = zarr.open_group(Path(path), mode="r")["parameters"]
    columns: dict[str, NDArray[Any]] = {}
    for name in COLUMNS:
        values = np.asarray(table[name][:])
        if name in CATEGORIES:
            values = np.array(CATEGORIES[name], dtype=object)[values]
        columns[name] = values
    return columns
