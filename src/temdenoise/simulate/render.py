"""Rendering planned images: one image by its fixed settings, many in this process or a pool."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise.config import SimulateConfig
from temdenoise.simulate.plan import ImageTask


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


def _workers_threads(workers: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // workers)


def _init_worker(threads: int) -> None:
    from temdenoise.simulate.hrtem import abtem_settings

    abtem_settings(threads)  # this process only runs simulations: the settings stay


def render_tasks(
    renderer: Renderer, tasks: list[ImageTask], workers: int
) -> Iterator[tuple[int, NDArray[np.float32], dict[str, float]]]:
    """Render ``tasks`` in this process (one worker) or a pool, yielding as they finish.

    Parameters
    ----------
    renderer : Renderer
        The dataset's imaging settings (picklable: sent to each worker process).
    tasks : list of ImageTask
        Images to render.
    workers : int
        Processes; 1 renders in this process. The cores are shared out as FFTW threads.

    Yields
    ------
    index : int
        ``task.index`` of a finished image, in the order they finish.
    image : ndarray of float32, shape (rows, columns)
        Expected counts per pixel.
    derived : dict of str to float
        The derived columns of the parameter table (:meth:`Renderer.derived`).

    """
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
