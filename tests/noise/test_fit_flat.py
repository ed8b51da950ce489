import numpy as np
import pytest

from temdenoise.noise.fit_flat import fit_flat

from .conftest import SEEDS


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_dose_from_vacuum_within_2_percent(seed):
    rng = np.random.default_rng(seed)
    vacuum = rng.poisson(0.45, (8, 128, 128))
    flat = fit_flat(vacuum)
    assert flat.mean == pytest.approx(0.45, rel=0.02)
    assert flat.fano == pytest.approx(1.0, abs=0.03)
    assert flat.kl < 1e-3
