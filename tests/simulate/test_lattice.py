import math

import numpy as np

from temdenoise.simulate.lattice import NEIGHBOURS


def test_neighbours_are_the_twelve_fcc_nearest_neighbours():
    assert len(NEIGHBOURS) == 12
    np.testing.assert_allclose(np.linalg.norm(NEIGHBOURS, axis=1), math.sqrt(2))
