import math

import numpy as np
import pytest

from temdenoise.evaluate.profiles import line_profile, profile_snr


def ramp(rows=20, columns=30):
    r, c = np.mgrid[:rows, :columns].astype(np.float64)
    return 2.0 * r + 3.0 * c


def test_horizontal_profile_of_a_ramp_sums_over_the_width():
    profile = line_profile(ramp(), (10, 2), (10, 12), width=10)
    np.testing.assert_allclose(profile.distance, np.arange(11))
    # the mean across a linear image is its value on the line: 2 * 10 + 3 * c
    np.testing.assert_allclose(profile.values, 10 * (20 + 3 * np.arange(2, 13)))
    mean = line_profile(ramp(), (10, 2), (10, 12), width=10, reduce="mean")
    np.testing.assert_allclose(mean.values, 20 + 3 * np.arange(2, 13))


def test_diagonal_profile_of_a_ramp():
    profile = line_profile(ramp(), (2, 2), (14, 18), width=3, reduce="mean")
    assert profile.distance[-1] == 20  # a 12-16-20 triangle
    t = profile.distance / 20
    expected = 2 * (2 + 12 * t) + 3 * (2 + 16 * t)
    np.testing.assert_allclose(profile.values, expected, atol=1e-9)


def test_width_integrates_a_stripe_across_the_line():
    image = np.zeros((21, 21))
    image[8:13, :] = 1.0  # a 5 px wide horizontal stripe
    across = line_profile(image, (0, 10), (20, 10), width=1, order=0)
    along = line_profile(image, (10, 0), (10, 20), width=10, order=0)
    assert across.values.sum() == 5
    np.testing.assert_allclose(along.values, 5.0)


def test_bad_lines_are_refused():
    with pytest.raises(ValueError, match="same point"):
        line_profile(ramp(), (3, 3), (3, 3))
    with pytest.raises(ValueError, match="leaves"):
        line_profile(ramp(), (1, 2), (1, 12), width=10)


def test_profile_snr_with_and_without_a_reference():
    reference = np.array([1.0, 3.0, 1.0, 3.0])  # std 1
    noisy = reference + np.array([0.5, -0.5, 0.5, -0.5])  # rms error 0.5
    assert profile_snr(noisy, reference=reference) == pytest.approx(2.0)
    rng = np.random.default_rng(0)
    x = np.arange(4000)
    signal = 3.0 * np.sin(2 * np.pi * x / 44)  # std 3 / sqrt(2), smooth over 3 samples
    measured = profile_snr(signal + rng.normal(0, 1.0, x.size))
    assert measured == pytest.approx(3 / math.sqrt(2), rel=0.05)
    assert profile_snr(np.zeros(8)) == math.inf
