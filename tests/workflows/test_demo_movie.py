"""The demo's movies: seeded Poisson counts."""

import numpy as np
import pytest

from temdenoise.workflows.demo_movie import draw_counts


def test_noise_depends_only_on_seed_and_frame():
    clean = np.full((16, 16), 0.45, dtype=np.float32)
    a = draw_counts(clean, seed=1, frame=2)
    assert a.dtype == np.uint16
    np.testing.assert_array_equal(a, draw_counts(clean, seed=1, frame=2))
    assert not np.array_equal(a, draw_counts(clean, seed=1, frame=3))
    big = draw_counts(np.full((256, 256), 0.45), seed=0, frame=0)
    assert big.mean() == pytest.approx(0.45, rel=0.03)
