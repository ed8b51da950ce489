"""Surface defects of a particle as lattice operations: vacancies, adatoms, steps, islands."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from temdenoise.config.specimen import DEFECTS
from temdenoise.simulate.lattice import NEIGHBOURS, coordination, site_depth, site_keys

_FACETS = np.array(
    [
        *[(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1), (1, -1, 1), (-1, 1, 1), (1, 1, -1)],
        *[(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)],
    ],
    dtype=np.int64,
)
"""Outward facet normals a defect may sit on ({111} but the interface -[111], and {100})."""


def add_surface_defects(
    sites: NDArray[np.int64], defect: str, count: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Apply a surface defect; the interface layer (the deepest one) is left alone.

    Parameters
    ----------
    sites : ndarray of int, shape (atoms, 3)
        Particle sites (units of a/2); the deepest (111) layer rests on the support.
    defect : {'none', 'vacancies', 'adatoms', 'step', 'island'}
        'vacancies' removes ``count`` random under-coordinated surface atoms;
        'adatoms' adds ``count`` atoms on empty lattice sites with at least three
        neighbours; 'step' removes ``count`` contiguous atoms from the outer layer of a
        random facet; 'island' grows ``count`` contiguous atoms as a partial new layer on
        a random facet.
    count : int
        Number of atoms removed or added (fewer if the surface has too few).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray of int64, shape (atoms', 3)

    """
    if defect == "none" or count == 0:
        return sites
    bottom = site_depth(sites).max()
    if defect == "vacancies":
        surface = np.flatnonzero((coordination(sites, sites) < 10) & (site_depth(sites) < bottom))
        drop = rng.choice(surface, size=min(count, max(len(surface) - 1, 0)), replace=False)
        return np.delete(sites, drop, axis=0)
    if defect == "adatoms":
        return _add_atoms(sites, count, rng, bottom=bottom, layer=None)
    if defect not in ("step", "island"):
        raise ValueError(f"unknown defect {defect!r}; expected one of {DEFECTS}")
    normal = _FACETS[rng.integers(len(_FACETS))]
    level = sites @ normal
    if defect == "island":
        spacing = 2 if abs(normal).sum() == 3 else 1
        return _add_atoms(sites, count, rng, bottom=bottom, layer=(normal, level.max() + spacing))
    outer = np.flatnonzero((level == level.max()) & (site_depth(sites) < bottom))
    if len(outer) <= 1:
        return sites
    start = outer[np.argmin(coordination(sites, sites[outer]))]
    chosen = _grow(sites[outer], sites[start], min(count, len(outer) - 1), rng)
    keep = ~np.isin(site_keys(sites), site_keys(chosen))
    return sites[keep]


def _add_atoms(
    sites: NDArray[np.int64],
    count: int,
    rng: np.random.Generator,
    *,
    bottom: int,
    layer: tuple[NDArray[np.int64], int] | None,
) -> NDArray[np.int64]:
    candidates = np.unique((sites[:, None, :] + NEIGHBOURS[None]).reshape(-1, 3), axis=0)
    candidates = candidates[~np.isin(site_keys(candidates), site_keys(sites))]
    candidates = candidates[site_depth(candidates) <= bottom]
    candidates = candidates[coordination(sites, candidates) >= 3]
    if layer is not None:
        normal, level = layer
        candidates = candidates[candidates @ normal == level]
    if len(candidates) == 0:
        return sites
    if layer is None:
        pick = rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)
        return np.concatenate([sites, candidates[pick]])
    start = candidates[rng.integers(len(candidates))]
    return np.concatenate([sites, _grow(candidates, start, count, rng)])


def _grow(
    pool: NDArray[np.int64], start: NDArray[np.int64], count: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Up to ``count`` sites of ``pool`` connected to ``start`` by nearest-neighbour steps."""
    pool_keys = site_keys(pool)
    chosen = [start]
    chosen_keys = {int(site_keys(start))}
    frontier = [start]
    while frontier and len(chosen) < count:
        current = frontier.pop(rng.integers(len(frontier)))
        around = current + NEIGHBOURS[rng.permutation(len(NEIGHBOURS))]
        for site, key in zip(around, site_keys(around), strict=True):
            if len(chosen) >= count:
                break
            if int(key) in chosen_keys or not np.isin(key, pool_keys):
                continue
            chosen_keys.add(int(key))
            chosen.append(site)
            frontier.append(site)
    return np.array(chosen, dtype=np.int64)
