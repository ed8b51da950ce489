import numpy as np
import pytest

pytest.importorskip("ase")

from temdenoise.simulate.scene import SceneParameters, draw_scene
from temdenoise.simulate.specimen import build_scene

pytestmark = pytest.mark.sim

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
