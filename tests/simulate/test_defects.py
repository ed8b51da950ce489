import numpy as np
import pytest

pytest.importorskip("ase")

from temdenoise.config.specimen import DEFECTS
from temdenoise.simulate.defects import add_surface_defects
from temdenoise.simulate.lattice import coordination, site_depth, site_keys
from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS
from temdenoise.simulate.particle import fcc_particle_sites, truncate_at_interface

pytestmark = pytest.mark.sim

PT = FCC_LATTICE_CONSTANTS["Pt"]


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
