"""Write a simulated dataset (Zarr v3): clean images, a parameter table and provenance.

Layout of ``OUT.zarr`` (a group)::

    clean                 (n, rows, columns) float32, chunk = one image, fill NaN:
                          expected counts per pixel, vacuum mean = dose
    parameters/<name>     (n,) one array per randomized or derived value (see COLUMNS);
                          categorical columns are int8 codes with attrs['categories']
    attrs                 format, kind ('images' or 'movie'), axes, pixel_size (A),
                          dose, splits {name: [start, stop]}, config, versions, complete

Every randomized value is drawn before any image is simulated, from a seed
sequence keyed by (split, index): the dataset is deterministic for a seed,
whatever the number of worker processes, and a rerun on the same path finishes the
images whose chunk is missing (the written chunk is the resume marker). Worker
processes only compute; this process writes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise import __version__
from temdenoise.config import SimulateConfig
from temdenoise.errors import ConfigError, InputError
from temdenoise.simulate.scene import DEFECTS, SCENES, SHAPES, SceneParameters

logger = logging.getLogger(__name__)

FORMAT = "temdenoise-simulated"
FORMAT_VERSION = 1
SPLITS = ("train", "test", "movie")

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


@dataclass(frozen=True)
class ImageTask:
    """Everything needed to render one image (picklable; sent to a worker process)."""

    index: int
    split: str
    scene: SceneParameters
    defocus: float
    focal_spread: float
    angular_spread: float
    vibration: float
    phonon_seed: int
    sites: NDArray[np.int64] | None = None
    particle_rotation: float = 0.0
    shift: tuple[float, float] = (0.0, 0.0)
    events: tuple[int, int, int] = (0, 0, 0)

    def record(self) -> dict[str, Any]:
        """Return the planned values of the parameter table for this image."""
        values: dict[str, Any] = {"split": self.split, **asdict(self.scene)}
        hops, appeared, vanished = self.events
        values.update(
            defocus=self.defocus,
            focal_spread=self.focal_spread,
            angular_spread=self.angular_spread,
            vibration=self.vibration,
            phonon_seed=self.phonon_seed,
            particle_rotation=self.particle_rotation,
            drift_row=self.shift[0],
            drift_column=self.shift[1],
            hops=hops,
            appeared=appeared,
            vanished=vanished,
        )
        return values


@dataclass(frozen=True)
class Renderer:
    """The fixed imaging settings of a dataset; renders one :class:`ImageTask`."""

    shape: tuple[int, int]
    pixel_size: float
    margin: int
    dose: float
    element: str
    support: str
    energy: float
    cs: float
    focal_spread_samples: int
    objective_aperture: float | None
    mtf: tuple[float, float] | None
    sampling: float
    slice_thickness: float
    frozen_phonons: int

    @classmethod
    def from_config(cls, config: SimulateConfig) -> Renderer:
        """Take the settings of ``config``; the margin is rounded up to whole pixels."""
        return cls(
            shape=(config.size, config.size),
            pixel_size=config.pixel_size,
            margin=int(np.ceil(config.margin / config.pixel_size - 1e-9)),
            dose=config.dose,
            element=config.element,
            support=config.support,
            energy=config.energy,
            cs=config.cs,
            focal_spread_samples=config.focal_spread_samples,
            objective_aperture=config.objective_aperture,
            mtf=config.mtf,
            sampling=config.sampling,
            slice_thickness=config.slice_thickness,
            frozen_phonons=config.frozen_phonons,
        )

    def atoms(self, task: ImageTask) -> Any:
        """Build the ``ase.Atoms`` of ``task`` in the simulated box."""
        from temdenoise.simulate.hrtem import simulation_grid
        from temdenoise.simulate.specimen import build_scene

        box, _ = simulation_grid(
            self.shape, pixel_size=self.pixel_size, margin=self.margin, sampling=self.sampling
        )
        p = self.pixel_size
        window = (self.margin * p, self.margin * p, self.shape[0] * p, self.shape[1] * p)
        return build_scene(
            task.scene,
            box=box,
            window=window,
            element=self.element,
            support=self.support,
            sites=task.sites,
            particle_rotation=task.particle_rotation,
            shift=task.shift,
        )

    def derived(self, atoms: Any) -> dict[str, float]:
        """Return the derived columns of the parameter table for ``atoms``."""
        symbols = atoms.get_chemical_symbols()
        z = atoms.positions[:, 2]
        return {
            "n_atoms": len(symbols),
            "n_particle_atoms": sum(s == self.element for s in symbols),
            "specimen_thickness": float(z.max() - z.min()) if len(z) else 0.0,
        }

    def __call__(self, task: ImageTask) -> tuple[int, NDArray[np.float32], dict[str, float]]:
        """Render ``task``: (index, image of shape (rows, columns), derived values)."""
        from temdenoise.simulate.hrtem import simulate_image

        atoms = self.atoms(task)
        image = simulate_image(
            atoms,
            shape=self.shape,
            pixel_size=self.pixel_size,
            margin=self.margin,
            dose=self.dose,
            defocus=task.defocus,
            cs=self.cs,
            focal_spread=task.focal_spread,
            angular_spread=task.angular_spread,
            energy=self.energy,
            focal_spread_samples=self.focal_spread_samples,
            vibration=task.vibration,
            objective_aperture=self.objective_aperture,
            mtf=self.mtf,
            sampling=self.sampling,
            slice_thickness=self.slice_thickness,
            frozen_phonons=self.frozen_phonons,
            seed=task.phonon_seed,
        )
        return task.index, image, self.derived(atoms)


def _rng(seed: int, split: str, index: int) -> np.random.Generator:
    key = (SPLITS.index(split), index)
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


def _draw_scene(
    config: SimulateConfig, rng: np.random.Generator, **weights: float
) -> SceneParameters:
    from temdenoise.simulate.scene import draw_scene

    return draw_scene(
        rng,
        scene_weights=weights or config.scene_weights,
        shapes=config.shapes,
        defects=config.defects,
        diameter_range=config.diameter_range,
        truncation_range=config.truncation_range,
        defect_count_range=config.defect_count_range,
        support_thickness_range=config.support_thickness_range,
        interface_row_range=config.interface_row_range,
        tilt_max=config.tilt_max,
        rotation_max=config.rotation_max,
    )


def _draw_optics(config: SimulateConfig, rng: np.random.Generator) -> dict[str, Any]:
    return {
        "defocus": float(rng.uniform(*config.defocus_range)),
        "focal_spread": float(rng.uniform(*config.focal_spread_range)),
        "angular_spread": float(rng.uniform(*config.angular_spread_range)),
        "vibration": float(rng.uniform(*config.vibration_range)),
        "phonon_seed": int(rng.integers(2**31)),
    }


def plan(config: SimulateConfig) -> list[ImageTask]:
    """Every image of the dataset, with all random values drawn (pure and deterministic).

    Images are keyed by (split, index within split), so adding training images
    leaves the test images and the earlier training images unchanged.

    Parameters
    ----------
    config : SimulateConfig

    Returns
    -------
    list of ImageTask
        Training images, then test images; or the frames of the movie.

    """
    if config.movie_frames is not None:
        return _plan_movie(config, config.movie_frames)
    tasks: list[ImageTask] = []
    for split, count in (("train", config.n_train), ("test", config.n_test)):
        for i in range(count):
            rng = _rng(config.seed, split, i)
            scene = _draw_scene(config, rng)
            tasks.append(ImageTask(len(tasks), split, scene, **_draw_optics(config, rng)))
    return tasks


def _plan_movie(config: SimulateConfig, frames: int) -> list[ImageTask]:
    from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS
    from temdenoise.simulate.movie import movie_states
    from temdenoise.simulate.particle import particle_sites

    rng = _rng(config.seed, "movie", 0)
    scene = _draw_scene(config, rng, particle=1.0)
    optics = _draw_optics(config, rng)
    sites = particle_sites(scene, lattice_constant=FCC_LATTICE_CONSTANTS[config.element])
    states = movie_states(
        sites,
        rng,
        frames=frames,
        defocus=optics.pop("defocus"),
        events=config.movie_events,
        drift=config.movie_drift,
        rotation=config.movie_rotation,
        defocus_drift=config.movie_defocus_drift,
    )
    seeds = rng.integers(2**31, size=frames)
    optics.pop("phonon_seed")
    return [
        ImageTask(
            index,
            "movie",
            scene,
            defocus=state.defocus,
            phonon_seed=int(seeds[index]),
            sites=state.sites,
            particle_rotation=state.particle_rotation,
            shift=state.shift,
            events=(state.hops, state.appeared, state.vanished),
            **optics,
        )
        for index, state in enumerate(states)
    ]


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


def _workers_threads(workers: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // workers)


def _init_worker(threads: int) -> None:
    from temdenoise.simulate.hrtem import abtem_settings

    abtem_settings(threads)  # this process only runs simulations: the settings stay


def _results(
    renderer: Renderer, tasks: list[ImageTask], workers: int
) -> Iterator[tuple[int, NDArray[np.float32], dict[str, float]]]:
    """Render ``tasks`` in this process (one worker) or a pool, yielding as they finish."""
    if not tasks:
        return
    threads = _workers_threads(workers)
    if workers == 1 or len(tasks) <= 1:
        from temdenoise.simulate.hrtem import abtem_settings

        with abtem_settings(threads):
            for task in tasks:
                yield renderer(task)
        return
    pending: set[Future[tuple[int, NDArray[np.float32], dict[str, float]]]] = set()
    queue = iter(tasks)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(threads,),
    ) as pool:
        try:
            for task in queue:
                pending.add(pool.submit(renderer, task))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(renderer, nxt))
        finally:
            for future in pending:
                future.cancel()


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
        ``path`` holds a dataset made with another config.
    InputError
        ``path`` exists and is not such a dataset.

    """
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
        for index, image, derived in _results(renderer, todo, config.workers):
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
