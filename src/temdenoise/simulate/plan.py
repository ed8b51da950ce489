"""The plan of a dataset: every image's random values drawn from the config (pure).

Every randomized value is drawn before any image is simulated, from a seed
sequence keyed by (split, index): the dataset is deterministic for a seed,
whatever the number of worker processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise.config import SimulateConfig
from temdenoise.simulate.scene import SceneParameters

SPLITS = ("train", "test", "movie")


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
