import math

import numpy as np
import pytest

pytest.importorskip("ase")

from temdenoise.simulate.structures import (
    DEFECTS,
    FCC_LATTICE_CONSTANTS,
    FLUORITE_LATTICE_CONSTANTS,
    INTERFACE_SPACING,
    NEIGHBOURS,
    SHAPES,
    SceneParameters,
    add_surface_defects,
    build_scene,
    coordination,
    draw_scene,
    fcc_particle_sites,
    site_depth,
    site_keys,
    truncate_at_interface,
)

pytestmark = pytest.mark.sim

PT = FCC_LATTICE_CONSTANTS["Pt"]
CEO2 = FLUORITE_LATTICE_CONSTANTS["CeO2"]
BOX = (80.0, 80.0)
WINDOW = (10.0, 10.0, 60.0, 60.0)
WEIGHTS = {"particle": 1.0, "support": 0.5, "vacuum": 0.2}


def _scene(seed):
    return draw_scene(np.random.default_rng(seed), scene_weights={"particle": 1.0})


def test_same_seed_same_structure_and_different_seed_different_structure():
    a = build_scene(_scene(3), box=BOX, window=WINDOW)
    b = build_scene(_scene(3), box=BOX, window=WINDOW)
    c = build_scene(_scene(4), box=BOX, window=WINDOW)
    assert a.get_chemical_symbols() == b.get_chemical_symbols()
    np.testing.assert_array_equal(a.positions, b.positions)
    assert len(a) != len(c) or not np.allclose(a.positions, c.positions)


def test_draw_scene_covers_the_kinds_and_stays_in_range():
    scenes = [
        draw_scene(np.random.default_rng(s), scene_weights=WEIGHTS, tilt_max=4.0) for s in range(60)
    ]
    assert {s.kind for s in scenes} == {"particle", "support", "vacuum"}
    for s in scenes:
        assert abs(s.tilt_row_axis) <= 4
        assert abs(s.tilt_column_axis) <= 4
        if s.kind == "particle":
            assert 15 <= s.diameter <= 60
            assert 30 <= s.support_thickness <= 60
        if s.kind == "vacuum":
            assert len(build_scene(s, box=BOX, window=WINDOW)) == 0


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("diameter", [15.0, 40.0])
def test_particle_size_follows_the_diameter(shape, diameter):
    sites = fcc_particle_sites(shape, diameter, lattice_constant=PT)
    assert np.all(sites.sum(axis=1) % 2 == 0)  # fcc sites
    expected = math.pi / 6 * diameter**3 * 4 / PT**3
    assert 0.3 * expected < len(sites) < 2.5 * expected
    assert len(np.unique(site_keys(sites))) == len(sites)


def test_truncation_leaves_a_flat_111_interface():
    sites = fcc_particle_sites("cuboctahedron", 30.0, lattice_constant=PT)
    cut = truncate_at_interface(sites, 0.3)
    assert len(cut) < len(sites)
    depth = site_depth(cut)
    bottom = cut[depth == depth.max()]
    # the bottom layer is a (111) plane with a wide, compact facet
    assert len(bottom) >= 7
    assert coordination(cut, bottom).min() >= 6


@pytest.mark.parametrize("defect", DEFECTS)
def test_defects_change_the_surface_by_lattice_operations(defect):
    sites = truncate_at_interface(fcc_particle_sites("wulff", 30.0, lattice_constant=PT), 0.2)
    after = add_surface_defects(sites, defect, 6, np.random.default_rng(1))
    assert len(np.unique(site_keys(after))) == len(after)
    change = {"none": 0, "vacancies": -6, "adatoms": 6, "step": -6, "island": 6}[defect]
    assert len(after) - len(sites) == change
    added = after[~np.isin(site_keys(after), site_keys(sites))]
    if len(added):
        assert np.all(added.sum(axis=1) % 2 == 0)
        assert coordination(after, added).min() >= 3  # on the surface, not floating
    # the interface layer is untouched
    bottom = site_depth(sites).max()
    assert site_depth(after).max() == bottom
    np.testing.assert_array_equal(
        np.sort(site_keys(after[site_depth(after) == bottom])),
        np.sort(site_keys(sites[site_depth(sites) == bottom])),
    )


def test_support_is_oxygen_terminated_111_with_the_fluorite_spacing():
    scene = SceneParameters(kind="support", shape="", diameter=0.0, truncation=0.0)
    atoms = build_scene(scene, box=BOX, window=WINDOW)
    symbols = np.array(atoms.get_chemical_symbols())
    y = atoms.positions[:, 1]
    assert set(symbols) == {"Ce", "O"}
    assert (symbols == "O").sum() == pytest.approx(2 * (symbols == "Ce").sum(), rel=0.05)
    assert symbols[np.argmin(y)] == "O"
    top = WINDOW[0] + scene.interface_row * WINDOW[2]
    assert y.min() >= top
    # Ce (111) planes, edge-on: 3.124 A apart along the rows
    planes = np.unique(np.round(y[symbols == "Ce"], 2))
    np.testing.assert_allclose(np.diff(planes), CEO2 / math.sqrt(3), atol=0.02)
    # a [1-10] zone axis: projected Ce columns repeat along the beam every a / sqrt(2)
    assert atoms.cell.lengths()[2] == pytest.approx(scene.support_thickness + 2, abs=CEO2)


def test_particle_sits_on_the_support_at_the_interface_spacing():
    scene = SceneParameters(defect="none", tilt_row_axis=0.0, rotation=0.0)
    atoms = build_scene(scene, box=BOX, window=WINDOW)
    symbols = np.array(atoms.get_chemical_symbols())
    pt_bottom = atoms.positions[symbols == "Pt", 1].max()
    o_top = atoms.positions[symbols == "O", 1].min()
    assert o_top - pt_bottom == pytest.approx(INTERFACE_SPACING, abs=1e-6)
    # Pt (111) planes are edge-on too
    planes = np.unique(np.round(atoms.positions[symbols == "Pt", 1], 2))
    np.testing.assert_allclose(np.diff(planes), PT / math.sqrt(3), atol=0.02)


def test_tilt_and_rotation_turn_the_specimen():
    flat = build_scene(SceneParameters(), box=BOX, window=WINDOW)
    tilted = build_scene(
        SceneParameters(tilt_row_axis=4.0, tilt_column_axis=-3.0, rotation=8.0),
        box=BOX,
        window=WINDOW,
    )
    assert not np.allclose(np.sort(flat.positions[:, 1])[:50], np.sort(tilted.positions[:, 1])[:50])


def test_neighbours_are_the_twelve_fcc_nearest_neighbours():
    assert len(NEIGHBOURS) == 12
    np.testing.assert_allclose(np.linalg.norm(NEIGHBOURS, axis=1), math.sqrt(2))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "slab"}, "unknown scene kind"),
        ({"shape": "cube"}, "unknown particle shape"),
        ({"defect": "dislocation"}, "unknown defect"),
        ({"support_thickness": -3.0}, "support_thickness must be > 0"),
        ({"truncation": 1.0}, "truncation must be in"),
    ],
)
def test_bad_scene_records_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        SceneParameters(**values)


def test_unknown_elements_are_refused():
    with pytest.raises(ValueError, match="unknown particle element 'Xx'"):
        build_scene(SceneParameters(), box=BOX, window=WINDOW, element="Xx")
