"""Atomic models of supported nanoparticles in profile view (ASE; pure: no I/O, no printing).

The specimen is an fcc metal particle (Pt by default) on a fluorite oxide support
(CeO2 by default) with the usual cube-on-cube epitaxy seen in profile: metal (111) on
oxide (111), both viewed down [1-10], the interface edge-on. Coordinates follow
abTEM: x runs along image columns, y along image rows (downwards, into the support)
and z along the beam. Lab axes in crystal coordinates are x = [11-2], y = -[111],
z = [-110].

A particle is held as fcc lattice sites in integer units of a/2 (crystal frame), so
truncation, vacancies, adatoms, steps and islands are exact lattice operations, and
every structure is a pure function of a :class:`SceneParameters` record.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ase import Atoms

FCC_LATTICE_CONSTANTS: Mapping[str, float] = {
    "Pt": 3.924,
    "Pd": 3.891,
    "Au": 4.078,
    "Ag": 4.086,
    "Cu": 3.615,
    "Ni": 3.524,
    "Rh": 3.803,
    "Ir": 3.839,
}
"""Room-temperature lattice constants of fcc metals (angstrom)."""

FLUORITE_LATTICE_CONSTANTS: Mapping[str, float] = {"CeO2": 5.411, "ZrO2": 5.09, "ThO2": 5.597}
"""Lattice constants of fluorite-structure supports (angstrom; ZrO2 is the cubic phase)."""

THERMAL_SIGMAS: Mapping[str, float] = {
    "Pt": 0.063,
    "Pd": 0.075,
    "Au": 0.086,
    "Ag": 0.093,
    "Cu": 0.085,
    "Ni": 0.075,
    "Rh": 0.065,
    "Ir": 0.055,
    "Ce": 0.056,
    "Zr": 0.070,
    "Th": 0.065,
    "O": 0.083,
}
"""Room-temperature root-mean-square displacement along one axis, sqrt(B / 8 pi^2) (angstrom)."""

SCENES = ("particle", "support", "vacuum")
SHAPES = ("cuboctahedron", "truncated_octahedron", "octahedron", "wulff")
DEFECTS = ("none", "vacancies", "adatoms", "step", "island")

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
_FACETS = np.array(
    [
        *[(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1), (1, -1, 1), (-1, 1, 1), (1, 1, -1)],
        *[(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)],
    ],
    dtype=np.int64,
)
"""Outward facet normals a defect may sit on ({111} but the interface -[111], and {100})."""


@dataclass(frozen=True)
class SceneParameters:
    """Every randomized value of one scene: with the element names it fixes the structure.

    Lengths in angstrom, angles in degrees, positions as fractions of the visible field.

    Attributes
    ----------
    kind : {'particle', 'support', 'vacuum'}
        What the scene holds.
    shape : str
        Particle shape, one of :data:`SHAPES` ('' without a particle).
    diameter : float
        Volume-equivalent target diameter of the particle before truncation (A).
    truncation : float
        Fraction of the particle's (111) layers removed at the interface, 0 to 1.
    defect : str
        Surface defect type, one of :data:`DEFECTS`.
    defect_count : int
        Atoms removed (vacancies, step) or added (adatoms, island).
    defect_seed : int
        Seed of the random placement of the defect atoms.
    support_thickness : float
        Support thickness along the beam (A); 0 without a support.
    interface_row : float
        Height of the support surface as a fraction of the visible rows (0 top, 1 bottom).
    particle_column : float
        Column of the particle centre as a fraction of the visible columns.
    support_offset : float
        Lateral shift of the support lattice along the columns (A).
    tilt_row_axis : float
        Specimen tilt about the row (vertical) axis (degrees).
    tilt_column_axis : float
        Specimen tilt about the column (horizontal) axis (degrees).
    rotation : float
        In-plane rotation of the specimen about the beam (degrees, counter-clockwise).

    """

    kind: str = "particle"
    shape: str = "truncated_octahedron"
    diameter: float = 30.0
    truncation: float = 0.2
    defect: str = "none"
    defect_count: int = 0
    defect_seed: int = 0
    support_thickness: float = 40.0
    interface_row: float = 0.65
    particle_column: float = 0.5
    support_offset: float = 0.0
    tilt_row_axis: float = 0.0
    tilt_column_axis: float = 0.0
    rotation: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCENES:
            raise ValueError(f"unknown scene kind {self.kind!r}; expected one of {SCENES}")
        if self.kind == "particle" and self.shape not in SHAPES:
            raise ValueError(f"unknown particle shape {self.shape!r}; expected one of {SHAPES}")
        if self.defect not in DEFECTS:
            raise ValueError(f"unknown defect {self.defect!r}; expected one of {DEFECTS}")
        if self.kind != "vacuum" and self.support_thickness <= 0:
            raise ValueError(f"support_thickness must be > 0, got {self.support_thickness}")
        if self.kind == "particle" and self.diameter <= 0:
            raise ValueError(f"diameter must be > 0, got {self.diameter}")
        if not 0 <= self.truncation < 1:
            raise ValueError(f"truncation must be in [0, 1), got {self.truncation}")
        if self.defect_count < 0:
            raise ValueError(f"defect_count must be >= 0, got {self.defect_count}")


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


def draw_scene(
    rng: np.random.Generator,
    *,
    scene_weights: Mapping[str, float],
    shapes: tuple[str, ...] = SHAPES,
    defects: tuple[str, ...] = DEFECTS,
    diameter_range: tuple[float, float] = (15.0, 60.0),
    truncation_range: tuple[float, float] = (0.1, 0.35),
    defect_count_range: tuple[int, int] = (1, 12),
    support_thickness_range: tuple[float, float] = (30.0, 60.0),
    interface_row_range: tuple[float, float] = (0.55, 0.8),
    tilt_max: float = 4.0,
    rotation_max: float = 10.0,
) -> SceneParameters:
    """Draw one random scene record.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the record alone then rebuilds the structure.
    scene_weights : mapping of str to float
        Relative frequency of 'particle', 'support' and 'vacuum' scenes.
    shapes, defects : tuple of str
        Particle shapes and defect types to choose from, uniformly.
    diameter_range : (float, float)
        Volume-equivalent particle diameter (A), uniform.
    truncation_range : (float, float)
        Fraction of (111) layers cut at the interface, uniform.
    defect_count_range : (int, int)
        Atoms per defect, inclusive, uniform.
    support_thickness_range : (float, float)
        Support thickness along the beam (A), uniform.
    interface_row_range : (float, float)
        Support surface height as a fraction of the rows, uniform.
    tilt_max : float
        Largest tilt about each in-plane axis (degrees); each is uniform in [-max, max].
    rotation_max : float
        Largest in-plane rotation (degrees), uniform in [-max, max].

    Returns
    -------
    SceneParameters

    """
    kinds = [k for k in SCENES if scene_weights.get(k, 0.0) > 0]
    weights = np.array([scene_weights[k] for k in kinds], dtype=np.float64)
    kind = kinds[rng.choice(len(kinds), p=weights / weights.sum())]
    values: dict[str, Any] = {
        "kind": kind,
        "shape": shapes[rng.integers(len(shapes))],
        "diameter": float(rng.uniform(*diameter_range)),
        "truncation": float(rng.uniform(*truncation_range)),
        "defect": defects[rng.integers(len(defects))],
        "defect_count": int(rng.integers(defect_count_range[0], defect_count_range[1] + 1)),
        "defect_seed": int(rng.integers(2**31)),
        "support_thickness": float(rng.uniform(*support_thickness_range)),
        "interface_row": float(rng.uniform(*interface_row_range)),
        "particle_column": float(rng.uniform(0.3, 0.7)),
        "support_offset": float(rng.uniform(0.0, 10.0)),
        "tilt_row_axis": float(rng.uniform(-tilt_max, tilt_max)),
        "tilt_column_axis": float(rng.uniform(-tilt_max, tilt_max)),
        "rotation": float(rng.uniform(-rotation_max, rotation_max)),
    }
    if kind != "particle":
        values.update(shape="", diameter=0.0, truncation=0.0, defect="none", defect_count=0)
    if kind == "vacuum":
        values.update(support_thickness=0.0, tilt_row_axis=0.0, tilt_column_axis=0.0, rotation=0.0)
    return SceneParameters(**values)
