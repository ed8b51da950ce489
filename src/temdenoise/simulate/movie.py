"""Simulated in situ movies: a supported particle whose surface and pose change in time.

Between frames, surface atoms hop to neighbouring lattice sites, adatoms appear and
atoms vanish (exchange with the gas or the support), the particle turns a little
about the beam, the specimen drifts and the defocus drifts. Every frame has its
ground truth: the clean image and the :class:`FrameState` it was made from.
:func:`movie_states` is pure and cheap; :func:`simulate_movie` renders the frames
in this process (the dataset orchestrator renders them in parallel instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from temdenoise.simulate.lattice import NEIGHBOURS, coordination, site_depth, site_keys
from temdenoise.simulate.scene import SceneParameters

EVENT_KINDS = ("hop", "appear", "vanish")
EVENT_WEIGHTS = (0.6, 0.2, 0.2)


@dataclass(frozen=True)
class FrameState:
    """What changes from frame to frame of a movie.

    Attributes
    ----------
    sites : ndarray of int64, shape (atoms, 3)
        Particle lattice sites (units of a/2, crystal frame).
    particle_rotation : float
        Rotation of the particle about the beam since the first frame (degrees).
    shift : (float, float)
        Specimen drift (rows, columns) since the first frame (A).
    defocus : float
        -C10 (A).
    hops, appeared, vanished : int
        Surface events since the previous frame.

    """

    sites: NDArray[np.int64]
    particle_rotation: float
    shift: tuple[float, float]
    defocus: float
    hops: int = 0
    appeared: int = 0
    vanished: int = 0


def _surface_atoms(sites: NDArray[np.int64]) -> NDArray[np.intp]:
    """Return atoms that may move: under-coordinated and not in the interface layer."""
    cn = coordination(sites, sites)
    return np.flatnonzero((cn < 10) & (site_depth(sites) < site_depth(sites).max()))


def _empty_sites(sites: NDArray[np.int64], bottom: int) -> NDArray[np.int64]:
    """Empty lattice sites next to the particle with >= 3 neighbours, not below the interface."""
    around = np.unique((sites[:, None, :] + NEIGHBOURS[None]).reshape(-1, 3), axis=0)
    around = around[~np.isin(site_keys(around), site_keys(sites))]
    around = around[site_depth(around) <= bottom]
    return around[coordination(sites, around) >= 3]


def evolve_surface(
    sites: NDArray[np.int64], rng: np.random.Generator, *, events: int
) -> tuple[NDArray[np.int64], dict[str, int]]:
    """Apply ``events`` random surface events to a particle.

    Parameters
    ----------
    sites : ndarray of int, shape (atoms, 3)
        Particle sites (units of a/2); the deepest (111) layer is the interface and
        does not move.
    rng : numpy.random.Generator
    events : int
        Number of events, each a hop (60%: a surface atom moves to an empty
        neighbouring site with at least three neighbours), an appearance (20%: an
        adatom lands on such a site) or a disappearance (20%: a surface atom with
        few neighbours leaves).

    Returns
    -------
    sites : ndarray of int64, shape (atoms', 3)
    counts : dict of str to int
        Events of each kind that happened: 'hop', 'appear', 'vanish'.

    """
    counts = dict.fromkeys(EVENT_KINDS, 0)
    bottom = int(site_depth(sites).max())
    for _ in range(events):
        kind = EVENT_KINDS[rng.choice(len(EVENT_KINDS), p=EVENT_WEIGHTS)]
        movable = _surface_atoms(sites)
        if kind in ("hop", "vanish") and len(movable) == 0:
            continue
        if kind == "vanish":
            cn = coordination(sites, sites[movable])
            loose = movable[cn == cn.min()]
            sites = np.delete(sites, rng.choice(loose), axis=0)
        elif kind == "appear":
            empty = _empty_sites(sites, bottom)
            if len(empty) == 0:
                continue
            sites = np.concatenate([sites, empty[rng.integers(len(empty))][None]])
        else:
            index = int(rng.choice(movable))
            rest = np.delete(sites, index, axis=0)
            targets = sites[index] + NEIGHBOURS
            targets = targets[~np.isin(site_keys(targets), site_keys(rest))]
            targets = targets[site_depth(targets) <= bottom]
            targets = targets[coordination(rest, targets) >= 3]
            if len(targets) == 0:
                continue
            sites = np.concatenate([rest, targets[rng.integers(len(targets))][None]])
        counts[kind] += 1
    return sites, counts


def movie_states(
    sites: NDArray[np.int64],
    rng: np.random.Generator,
    *,
    frames: int,
    defocus: float,
    events: float,
    drift: float,
    rotation: float,
    defocus_drift: float,
) -> list[FrameState]:
    """Draw the states of every frame of a movie.

    Parameters
    ----------
    sites : ndarray of int, shape (atoms, 3)
        Particle sites of the first frame (units of a/2).
    rng : numpy.random.Generator
    frames : int
        Number of frames.
    defocus : float
        -C10 of the first frame (A).
    events : float
        Mean number of surface events per frame (Poisson).
    drift : float
        Specimen drift speed (A per frame) in a random direction, plus a random walk of
        half that step size.
    rotation : float
        Standard deviation of the particle's rotation step about the beam (degrees
        per frame).
    defocus_drift : float
        Defocus drift speed (A per frame) with a random sign, plus a random walk of
        half that step size.

    Returns
    -------
    list of FrameState, length ``frames``

    """
    direction = rng.uniform(0.0, 2.0 * np.pi)
    velocity = drift * np.array([np.sin(direction), np.cos(direction)])
    focus_rate = defocus_drift * rng.choice([-1.0, 1.0])
    shift = np.zeros(2)
    angle = 0.0
    focus = defocus
    states = [FrameState(sites, 0.0, (0.0, 0.0), defocus)]
    for _ in range(1, frames):
        sites, counts = evolve_surface(sites, rng, events=int(rng.poisson(events)))
        shift = shift + velocity + rng.normal(0.0, drift / 2.0, 2)
        angle += float(rng.normal(0.0, rotation))
        focus += focus_rate + float(rng.normal(0.0, defocus_drift / 2.0))
        states.append(
            FrameState(
                sites,
                angle,
                (float(shift[0]), float(shift[1])),
                focus,
                counts["hop"],
                counts["appear"],
                counts["vanish"],
            )
        )
    return states


def simulate_movie(
    scene: SceneParameters,
    states: list[FrameState],
    *,
    shape: tuple[int, int],
    pixel_size: float,
    margin: int,
    dose: float,
    element: str = "Pt",
    support: str = "CeO2",
    progress: Callable[[int, int], None] | None = None,
    **optics: Any,
) -> NDArray[np.float32]:
    """Render the clean frames of a movie in this process.

    Parameters
    ----------
    scene : SceneParameters
        The specimen ('particle' scene); its particle is replaced by each state's sites.
    states : list of FrameState
        From :func:`movie_states`.
    shape : (int, int)
        Frame (rows, columns) in pixels.
    pixel_size : float
        A per pixel.
    margin : int
        Pixels simulated and cropped at each edge.
    dose : float
        Vacuum counts per pixel.
    element, support : str
        Particle metal and support oxide.
    progress : callable (done, total), optional
        Called after each frame.
    **optics
        Keyword arguments of :func:`temdenoise.simulate.hrtem.simulate_image` other than
        the defocus (taken from each state), e.g. ``cs``, ``focal_spread``,
        ``angular_spread``.

    Returns
    -------
    ndarray of float32, shape (frames, rows, columns)
        Expected counts per pixel.

    """
    from temdenoise.simulate.hrtem import simulate_image, simulation_grid
    from temdenoise.simulate.specimen import build_scene

    box, _ = simulation_grid(
        shape, pixel_size=pixel_size, margin=margin, sampling=optics.get("sampling", 0.1)
    )
    window = (
        margin * pixel_size,
        margin * pixel_size,
        shape[0] * pixel_size,
        shape[1] * pixel_size,
    )
    movie = np.empty((len(states), *shape), dtype=np.float32)
    for index, state in enumerate(states):
        atoms = build_scene(
            scene,
            box=box,
            window=window,
            element=element,
            support=support,
            sites=state.sites,
            particle_rotation=state.particle_rotation,
            shift=state.shift,
        )
        movie[index] = simulate_image(
            atoms,
            shape=shape,
            pixel_size=pixel_size,
            margin=margin,
            dose=dose,
            defocus=state.defocus,
            **optics,
        )
        if progress is not None:
            progress(index + 1, len(states))
    return movie
