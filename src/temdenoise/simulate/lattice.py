"""fcc lattice sites in integer units of a/2: neighbours, set keys, coordination, depth (pure).

A particle is held as fcc lattice sites in integer units of a/2 (crystal frame), so
truncation, vacancies, adatoms, steps and islands are exact lattice operations, and
every structure is a pure function of a :class:`~temdenoise.simulate.scene.SceneParameters`
record.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

NEIGHBOURS = np.array(  # the 12 nearest-neighbour steps of fcc, in units of a/2
    [
        (i, j, k)
        for i in (-1, 0, 1)
        for j in (-1, 0, 1)
        for k in (-1, 0, 1)
        if abs(i) + abs(j) + abs(k) == 2
    ],
    dtype=np.int64,
)


def site_keys(sites: NDArray[np.int64]) -> NDArray[np.int64]:
    """One int64 per site (last axis of length 3, |component| < 1024), for set membership."""
    shifted = sites + 1024
    return (shifted[..., 0] * 4096 + shifted[..., 1]) * 4096 + shifted[..., 2]


def coordination(sites: NDArray[np.int64], candidates: NDArray[np.int64]) -> NDArray[np.int64]:
    """Count the occupied nearest-neighbour sites of each candidate site.

    Parameters
    ----------
    sites : ndarray of int, shape (atoms, 3)
        Occupied fcc sites (units of a/2).
    candidates : ndarray of int, shape (k, 3)
        Sites to count around.

    Returns
    -------
    ndarray of int64, shape (k,)
        Occupied neighbours, 0 to 12.

    """
    around = candidates[:, None, :] + NEIGHBOURS[None, :, :]
    return np.asarray(np.isin(site_keys(around), site_keys(sites)).sum(axis=1), dtype=np.int64)


def site_depth(sites: NDArray[np.int64]) -> NDArray[np.int64]:
    """Depth along -[111] (towards the support), in units of a/2 (layers 2 apart)."""
    return np.asarray(-sites.sum(axis=-1), dtype=np.int64)
