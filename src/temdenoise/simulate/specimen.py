"""The specimen as ``ase.Atoms``: fluorite support, particle on it, epitaxy, tilts and rotation.

The specimen is an fcc metal particle (Pt by default) on a fluorite oxide support
(CeO2 by default) with the usual cube-on-cube epitaxy seen in profile: metal (111) on
oxide (111), both viewed down [1-10], the interface edge-on. Coordinates follow
abTEM: x runs along image columns, y along image rows (downwards, into the support)
and z along the beam. Lab axes in crystal coordinates are x = [11-2], y = -[111],
z = [-110].
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS, FLUORITE_LATTICE_CONSTANTS
from temdenoise.simulate.particle import particle_sites
from temdenoise.simulate.scene import SceneParameters

if TYPE_CHECKING:
    from ase import Atoms

ORIENTATION = np.array(
    [
        np.array([1.0, 1.0, -2.0]) / math.sqrt(6.0),
        np.array([-1.0, -1.0, -1.0]) / math.sqrt(3.0),
        np.array([-1.0, 1.0, 0.0]) / math.sqrt(2.0),
    ]
)
"""Rows: the lab axes x (columns), y (rows, into the support), z (beam) in crystal coordinates."""

INTERFACE_SPACING = 2.2
"""Distance between the metal's bottom (111) layer and the support's top oxygen layer (A)."""


def _fluorite_support(
    *,
    lattice_constant: float,
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    origin: NDArray[np.float64],
) -> tuple[list[str], NDArray[np.float64]]:
    """Fluorite lattice points (lab frame) inside the box [lower, upper), cation at ``origin``."""
    from ase.build import bulk

    cell: Any = bulk("CeO2", "fluorite", a=1.0, cubic=True)
    basis = cell.get_scaled_positions()
    cation = np.array([symbol != "O" for symbol in cell.get_chemical_symbols()])
    corners = np.array(list(itertools.product(*zip(lower, upper, strict=True))))
    crystal = (corners - origin) @ ORIENTATION / lattice_constant
    lo = np.floor(crystal.min(axis=0)).astype(int) - 1
    hi = np.ceil(crystal.max(axis=0)).astype(int) + 1
    grid = np.stack(
        np.meshgrid(*(np.arange(a, b) for a, b in zip(lo, hi, strict=True)), indexing="ij"), axis=-1
    ).reshape(-1, 1, 3)
    points = ((grid + basis[None]) * lattice_constant).reshape(-1, 3) @ ORIENTATION.T + origin
    is_cation = np.broadcast_to(cation, (len(grid), len(basis))).reshape(-1)
    inside = np.all((points >= lower) & (points < upper), axis=1)
    return ["C" if c else "O" for c in is_cation[inside]], points[inside]


def _rotation(
    rotation: float, tilt_row_axis: float, tilt_column_axis: float
) -> NDArray[np.float64]:
    """Rotation matrix (lab frame): in-plane about z, then tilts about y (rows) and x (columns)."""
    r, ty, tx = np.radians([rotation, tilt_row_axis, tilt_column_axis])
    about_z = np.array([[np.cos(r), np.sin(r), 0], [-np.sin(r), np.cos(r), 0], [0, 0, 1]])
    about_y = np.array([[np.cos(ty), 0, np.sin(ty)], [0, 1, 0], [-np.sin(ty), 0, np.cos(ty)]])
    about_x = np.array([[1, 0, 0], [0, np.cos(tx), -np.sin(tx)], [0, np.sin(tx), np.cos(tx)]])
    return np.asarray(about_x @ about_y @ about_z, dtype=np.float64)


def build_scene(
    params: SceneParameters,
    *,
    box: tuple[float, float],
    window: tuple[float, float, float, float],
    element: str = "Pt",
    support: str = "CeO2",
    sites: NDArray[np.int64] | None = None,
    particle_rotation: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
) -> Atoms:
    """Build the atoms of a scene, ready for abTEM (x = columns, y = rows, z = beam).

    Parameters
    ----------
    params : SceneParameters
        The scene record.
    box : (float, float)
        Simulated extent (rows, columns) in angstrom: the periodic cell.
    window : (float, float, float, float)
        Visible field (top, left, height, width) in angstrom inside ``box``; the
        fractional positions of ``params`` refer to it.
    element : str
        fcc metal of the particle, a key of :data:`FCC_LATTICE_CONSTANTS`.
    support : str
        Fluorite support, a key of :data:`FLUORITE_LATTICE_CONSTANTS`.
    sites : ndarray of int, shape (atoms, 3), optional
        Particle sites (units of a/2) instead of :func:`particle_sites` (movies).
    particle_rotation : float
        Extra rotation of the particle about the beam, around its interface centre
        (degrees).
    shift : (float, float)
        Translation (rows, columns) of the whole specimen in angstrom (drift).

    Returns
    -------
    ase.Atoms
        Cell (columns, rows, depth) in angstrom, periodic; depth is the specimen
        thickness along the beam plus 1 A above and below.

    """
    from ase import Atoms

    if element not in FCC_LATTICE_CONSTANTS:
        raise ValueError(f"unknown particle element {element!r}")
    if support not in FLUORITE_LATTICE_CONSTANTS:
        raise ValueError(f"unknown support {support!r}")
    height, width = box
    top, left, window_height, window_width = window
    symbols: list[str] = []
    parts: list[NDArray[np.float64]] = []
    surface = top + params.interface_row * window_height
    depth = params.support_thickness if params.kind != "vacuum" else 0.0
    if params.kind != "vacuum":
        a_support = FLUORITE_LATTICE_CONSTANTS[support]
        spacing = a_support / math.sqrt(3.0)
        reach = 0.75 * max(height, width) * abs(math.sin(math.radians(params.rotation))) + 20.0
        lower = np.array([-reach, surface, 0.0])
        upper = np.array([width + reach, height + reach, depth])
        origin = np.array([params.support_offset, surface + spacing / 2.0, 0.0])
        names, positions = _fluorite_support(
            lattice_constant=a_support, lower=lower, upper=upper, origin=origin
        )
        cation = support.removesuffix("O2")
        symbols += [cation if name == "C" else "O" for name in names]
        parts.append(positions)
    if params.kind == "particle":
        a_metal = FCC_LATTICE_CONSTANTS[element]
        occupied = particle_sites(params, lattice_constant=a_metal) if sites is None else sites
        positions = occupied * (a_metal / 2.0) @ ORIENTATION.T
        oxygen_top = surface + FLUORITE_LATTICE_CONSTANTS[support] / (4.0 * math.sqrt(3.0))
        base = positions[:, 1].max()
        anchor = np.array(
            [
                left + params.particle_column * window_width,
                oxygen_top - INTERFACE_SPACING,
                depth / 2.0 if depth > 0 else 0.0,
            ]
        )
        bottom = positions[:, 1] > base - 0.1
        positions = positions - np.array(
            [*positions[bottom, :1].mean(axis=0), base, positions[:, 2].mean()]
        )
        positions = positions @ _rotation(particle_rotation, 0.0, 0.0).T + anchor
        symbols += [element] * len(positions)
        parts.append(positions)
    if not parts:
        return Atoms(cell=[width, height, 2.0], pbc=True)
    xyz = np.concatenate(parts)
    centre = np.array([width / 2.0, height / 2.0, depth / 2.0])
    turn = _rotation(params.rotation, params.tilt_row_axis, params.tilt_column_axis)
    xyz = (xyz - centre) @ turn.T + centre + np.array([shift[1], shift[0], 0.0])
    keep = (xyz[:, 0] >= 0) & (xyz[:, 0] < width) & (xyz[:, 1] >= 0) & (xyz[:, 1] < height)
    xyz = xyz[keep]
    kept = [s for s, k in zip(symbols, keep, strict=True) if k]
    if len(xyz) == 0:
        return Atoms(cell=[width, height, 2.0], pbc=True)
    xyz[:, 2] += 1.0 - xyz[:, 2].min()
    return Atoms(kept, positions=xyz, cell=[width, height, xyz[:, 2].max() + 1.0], pbc=True)
