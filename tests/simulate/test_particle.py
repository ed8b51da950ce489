import math

import numpy as np
import pytest

pytest.importorskip("ase")

from temdenoise.config.specimen import SHAPES
from temdenoise.simulate.lattice import coordination, site_depth, site_keys
from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS
from temdenoise.simulate.particle import fcc_particle_sites, truncate_at_interface

pytestmark = pytest.mark.sim

PT = FCC_LATTICE_CONSTANTS["Pt"]


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
