import math

import numpy as np
import pytest

pytest.importorskip("ase")

from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS, FLUORITE_LATTICE_CONSTANTS
from temdenoise.simulate.scene import SceneParameters
from temdenoise.simulate.specimen import INTERFACE_SPACING, build_scene

pytestmark = pytest.mark.sim

PT = FCC_LATTICE_CONSTANTS["Pt"]
CEO2 = FLUORITE_LATTICE_CONSTANTS["CeO2"]
BOX = (80.0, 80.0)
WINDOW = (10.0, 10.0, 60.0, 60.0)


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


def test_unknown_elements_are_refused():
    with pytest.raises(ValueError, match="unknown particle element 'Xx'"):
        build_scene(SceneParameters(), box=BOX, window=WINDOW, element="Xx")
