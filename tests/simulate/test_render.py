import numpy as np
import pytest

from temdenoise.config import SimulateConfig

pytest.importorskip("abtem")
pytest.importorskip("zarr")

import zarr

from temdenoise.simulate.dataset import write_dataset
from temdenoise.simulate.plan import plan
from temdenoise.simulate.render import Renderer
from tests.simulate.conftest import TINY

pytestmark = pytest.mark.sim


def test_renderer_takes_the_config_and_counts_the_atoms_it_builds():
    config = SimulateConfig.build(**TINY)
    renderer = Renderer.from_config(config)
    assert renderer.margin == 14  # 4 A at 0.3 A/px, rounded up to whole pixels
    task = next(t for t in plan(config) if t.scene.kind == "particle")
    atoms = renderer.atoms(task)
    side = (48 + 2 * 14) * 0.3
    np.testing.assert_allclose(atoms.cell.lengths()[:2], [side, side])
    derived = renderer.derived(atoms)
    assert derived["n_atoms"] == len(atoms)
    assert 0 < derived["n_particle_atoms"] == atoms.get_chemical_symbols().count("Pt")


@pytest.mark.slow
def test_worker_processes_give_the_same_images(dataset, tmp_path):
    path, _, _ = dataset
    write_dataset(tmp_path / "w2.zarr", SimulateConfig.build(**(TINY | {"workers": 2})))
    np.testing.assert_array_equal(
        zarr.open_group(tmp_path / "w2.zarr", mode="r")["clean"][:],
        zarr.open_group(path, mode="r")["clean"][:],
    )
