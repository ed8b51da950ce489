"""NoiseModel: what a chain of stages does to the variance."""

import numpy as np
import pytest

from temdenoise.noise.base import NoiseModel


def test_the_variance_line_of_a_chain_of_stages():
    from temdenoise.noise.counting import Poisson
    from temdenoise.noise.detector import GainReadNoise

    rng = np.random.default_rng(0)
    poisson = NoiseModel((Poisson(),))
    slope, offset = poisson.variance_line([0.5, 2.0, 8.0], rng=rng)
    assert slope == pytest.approx(1.0, abs=0.03)
    assert offset == pytest.approx(0.0, abs=0.05)
    camera = NoiseModel((Poisson(), GainReadNoise(gain=4.0, offset=100.0, read_noise=8.0)),
                        detector="integrating")  # fmt: skip
    slope, offset = camera.variance_line([0.5, 2.0, 8.0], rng=rng)  # in counts: 8 / 4 = 2
    assert slope == pytest.approx(1.0, abs=0.03)
    assert offset == pytest.approx(4.0, abs=0.15)
