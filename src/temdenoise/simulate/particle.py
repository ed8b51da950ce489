"""Particle building: faceted fcc shapes (octahedra, Wulff), truncation at the interface."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from temdenoise.config.specimen import SHAPES
from temdenoise.simulate.defects import add_surface_defects
from temdenoise.simulate.lattice import site_depth
from temdenoise.simulate.scene import SceneParameters


def fcc_particle_sites(
    shape: str, diameter: float, *, lattice_constant: float
) -> NDArray[np.int64]:
    """Lattice sites of a faceted fcc particle centred on a site.

    Parameters
    ----------
    shape : {'cuboctahedron', 'truncated_octahedron', 'octahedron', 'wulff'}
        Octahedra truncated at the vertices by {100} facets (cuboctahedron: L = 2c + 1,
        regular truncated octahedron: L = 3c + 1, octahedron: slightly truncated,
        L = 5c + 1), or a Wulff construction with Pt-like surface energies
        (111) < (100) < (110). Truncated octahedra take any vertex cut between the
        two; the regular one (L = 3c + 1) is one of them.
    diameter : float
        Volume-equivalent diameter (A): the particle has the number of atoms closest
        to pi/6 d^3 * 4 / a^3 within its family.
    lattice_constant : float
        fcc lattice constant a (A).

    Returns
    -------
    ndarray of int64, shape (atoms, 3)
        Sites in units of a/2 along the cubic axes (every row sums to an even number).

    """
    from ase.cluster import Octahedron, wulff_construction

    target = math.pi / 6.0 * diameter**3 * 4.0 / lattice_constant**3
    if shape == "wulff":
        atoms = wulff_construction(  # type: ignore[no-untyped-call]
            "Cu",  # only the lattice matters here; the element is set by the caller
            [(1, 1, 1), (1, 0, 0), (1, 1, 0)],
            [1.0, 1.16, 1.25],
            max(round(target), 13),
            "fcc",
            rounding="closest",
            latticeconstant=2.0,
        )
        sites = np.rint(atoms.positions).astype(np.int64)
        return _centre(sites)
    if shape not in _OCTAHEDRA:
        raise ValueError(f"unknown particle shape {shape!r}; expected one of {SHAPES}")
    length, cut = min(_OCTAHEDRA[shape], key=lambda lc: abs(_octahedron_size(*lc) - target))
    atoms = Octahedron("Cu", length, cut, latticeconstant=2.0)  # type: ignore[no-untyped-call]
    return _centre(np.rint(atoms.positions).astype(np.int64))


_OCTAHEDRA = {
    "cuboctahedron": [(2 * c + 1, c) for c in range(1, 40)],
    "truncated_octahedron": [(n, c) for c in range(1, 40) for n in range(2 * c + 2, 4 * c + 1)],
    "octahedron": [(n, c) for c in range(1, 20) for n in range(4 * c + 1, 6 * c + 2)],
}
"""(edge length, vertex cut) of the ``ase.cluster.Octahedron`` candidates of each family."""


def _octahedron_size(length: int, cut: int) -> int:
    """Count the atoms of an fcc octahedron (edge ``length``, ``cut`` layers off each vertex)."""
    return (2 * length**3 + length) // 3 - cut * (cut + 1) * (2 * cut + 1)


def _centre(sites: NDArray[np.int64]) -> NDArray[np.int64]:
    mean = sites.mean(axis=0)
    nearest = sites[np.argmin(((sites - mean) ** 2).sum(axis=1))]
    return np.asarray(sites - nearest, dtype=np.int64)


def truncate_at_interface(sites: NDArray[np.int64], fraction: float) -> NDArray[np.int64]:
    """Remove the bottom (111) layers: the flat facet by which the particle sits on the support.

    Parameters
    ----------
    sites : ndarray of int, shape (atoms, 3)
        Particle sites (units of a/2).
    fraction : float
        Fraction of the particle's (111) layers to remove, 0 to 1.

    Returns
    -------
    ndarray of int64, shape (kept, 3)
        The sites above the cut.

    """
    height = site_depth(sites)
    layers = (height.max() - height.min()) // 2 + 1
    removed = round(float(fraction * layers))
    return np.asarray(sites[height <= height.max() - 2 * removed], dtype=np.int64)


def particle_sites(params: SceneParameters, *, lattice_constant: float) -> NDArray[np.int64]:
    """Build the particle of a scene: shape, interface truncation and surface defect.

    Parameters
    ----------
    params : SceneParameters
        The scene; ``kind`` must be 'particle'.
    lattice_constant : float
        fcc lattice constant (A).

    Returns
    -------
    ndarray of int64, shape (atoms, 3)
        Sites in units of a/2 (crystal frame, centred near the origin).

    """
    sites = fcc_particle_sites(params.shape, params.diameter, lattice_constant=lattice_constant)
    sites = truncate_at_interface(sites, params.truncation)
    rng = np.random.default_rng(params.defect_seed)
    return add_surface_defects(sites, params.defect, params.defect_count, rng)
