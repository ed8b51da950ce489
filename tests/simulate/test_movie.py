import numpy as np
import pytest

pytest.importorskip("ase")

from temdenoise.simulate.lattice import coordination, site_depth, site_keys
from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS
from temdenoise.simulate.movie import evolve_surface, movie_states, simulate_movie
from temdenoise.simulate.particle import particle_sites
from temdenoise.simulate.scene import SceneParameters

pytestmark = pytest.mark.sim


@pytest.fixture
def sites():
    scene = SceneParameters(shape="cuboctahedron", diameter=20.0)
    return particle_sites(scene, lattice_constant=FCC_LATTICE_CONSTANTS["Pt"])


def test_surface_events_are_lattice_moves_that_keep_the_interface(sites):
    after, counts = evolve_surface(sites, np.random.default_rng(0), events=30)
    assert sum(counts.values()) > 20
    assert len(after) - len(sites) == counts["appear"] - counts["vanish"]
    assert len(np.unique(site_keys(after))) == len(after)
    assert np.all(after.sum(axis=1) % 2 == 0)
    assert site_depth(after).max() == site_depth(sites).max()
    new = after[~np.isin(site_keys(after), site_keys(sites))]
    assert len(new) > 0
    assert coordination(after, new).min() >= 2  # attached (a neighbour may have left since)


def test_movie_states_drift_turn_and_refocus(sites):
    states = movie_states(
        sites,
        np.random.default_rng(1),
        frames=6,
        defocus=-50.0,
        events=3.0,
        drift=0.5,
        rotation=0.2,
        defocus_drift=2.0,
    )
    assert len(states) == 6
    assert states[0].shift == (0.0, 0.0)
    assert states[0].defocus == -50.0
    assert np.hypot(*states[-1].shift) > 0.5
    assert states[-1].particle_rotation != 0
    assert len({s.defocus for s in states}) == 6
    again = movie_states(
        sites,
        np.random.default_rng(1),
        frames=6,
        defocus=-50.0,
        events=3.0,
        drift=0.5,
        rotation=0.2,
        defocus_drift=2.0,
    )
    for a, b in zip(states, again, strict=True):
        np.testing.assert_array_equal(a.sites, b.sites)
        assert (a.shift, a.defocus, a.hops) == (b.shift, b.defocus, b.hops)


def test_simulate_movie_renders_every_frame(sites):
    pytest.importorskip("abtem")
    from temdenoise.simulate.hrtem import abtem_settings

    scene = SceneParameters(shape="cuboctahedron", diameter=20.0, interface_row=0.8)
    states = movie_states(
        sites,
        np.random.default_rng(2),
        frames=2,
        defocus=-40.0,
        events=4.0,
        drift=2.0,
        rotation=1.0,
        defocus_drift=10.0,
    )
    calls = []
    with abtem_settings(2):
        movie = simulate_movie(
            scene,
            states,
            shape=(40, 40),
            pixel_size=0.3,
            margin=8,
            dose=0.5,
            cs=-1e5,
            focal_spread=30.0,
            angular_spread=0.2,
            focal_spread_samples=0,
            progress=lambda d, t: calls.append((d, t)),
        )
    assert movie.shape == (2, 40, 40)
    assert movie.dtype == np.float32
    assert calls == [(1, 2), (2, 2)]
    assert not np.array_equal(movie[0], movie[1])
