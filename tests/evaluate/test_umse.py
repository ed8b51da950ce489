import math

import numpy as np
import pytest
from scipy import ndimage

from temdenoise.evaluate import metrics, umse


def test_umse_against_a_hand_computed_value():
    f = np.array([[1.0, 2.0]])
    a = np.array([[2.0, 2.0]])  # mean((f - a)^2) = 0.5
    b = np.array([[0.0, 3.0]])
    c = np.array([[2.0, 1.0]])  # mean((b - c)^2) / 2 = 2
    assert umse.umse(f, a, b, c) == pytest.approx(0.5 - 2.0)
    assert math.isnan(umse.upsnr(-1.5))
    assert umse.upsnr(0.01) == pytest.approx(20.0)


def test_umse_is_unbiased_over_many_noise_draws():
    rows, columns = np.mgrid[:48, :48]
    clean = 2.0 + 20.0 * (
        0.5 + 0.5 * np.sin(2 * np.pi * rows / 12) * np.sin(2 * np.pi * columns / 12)
    )
    rng = np.random.default_rng(7)
    draws = 200
    y, a, b, c = rng.poisson(clean, size=(4, draws, *clean.shape)).astype(np.float64)
    denoised = ndimage.gaussian_filter(y, (0, 2.5, 2.5))
    estimates = [umse.umse(denoised[i], a[i], b[i], c[i]) for i in range(draws)]
    true = [metrics.mse(clean, denoised[i]) for i in range(draws)]
    assert np.mean(estimates) == pytest.approx(np.mean(true), rel=0.02)
    naive = np.mean([metrics.mse(a[i], denoised[i]) for i in range(draws)])
    assert naive > 1.5 * np.mean(true)  # the correction matters
    errors = [umse.umse_standard_error(denoised[i], a[i], b[i], c[i]) for i in range(20)]
    assert np.mean(errors) == pytest.approx(np.std(estimates), rel=0.2)


def test_adjacent_copies_never_reuse_the_frame_and_stay_near_it():
    for frames in (4, 7):
        for t in range(frames):
            copies = umse.adjacent_copies(t, frames)
            assert len({t, *copies}) == 4
            assert all(0 <= i < frames for i in copies)
            assert max(abs(i - t) for i in copies) <= 3
    assert umse.adjacent_copies(3, 10) == (2, 4, 5)
    with pytest.raises(ValueError, match="at least 4 frames"):
        umse.adjacent_copies(0, 3)


def test_umse_adjacent_of_the_raw_frame_estimates_the_noise_variance():
    rng = np.random.default_rng(2)
    clean = np.full((64, 64), 0.45)
    noisy = rng.poisson(clean, size=(5, 64, 64)).astype(np.float64)
    values = [umse.umse_adjacent(noisy, noisy[t], t) for t in range(5)]
    assert np.mean(values) == pytest.approx(0.45, rel=0.1)


def test_subsample_2x2_splits_into_the_four_phases():
    image = np.arange(5 * 6).reshape(5, 6)
    parts = umse.subsample_2x2(image)
    assert parts.shape == (4, 2, 3)
    np.testing.assert_array_equal(parts[0], image[0:4:2, 0::2])
    np.testing.assert_array_equal(parts[3], image[1:4:2, 1::2])


def test_umse_subsampled_with_the_true_denoiser_is_near_zero():
    rng = np.random.default_rng(3)
    clean = np.full((256, 256), 2.0)
    noisy = rng.poisson(clean).astype(np.float64)
    perfect = umse.umse_subsampled(noisy, lambda image: np.full(image.shape, 2.0))
    identity = umse.umse_subsampled(noisy, lambda image: image)
    assert abs(perfect) < 0.05
    assert identity == pytest.approx(2.0, rel=0.05)
