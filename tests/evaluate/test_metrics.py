import math

import numpy as np
import pytest
from scipy import ndimage

from temdenoise.evaluate import metrics


def test_psnr_count_and_range_against_hand_values():
    clean = np.array([[0.0, 1.0], [2.0, 4.0]])
    test = clean + np.array([[0.5, -0.5], [0.5, -0.5]])  # MSE 0.25
    assert metrics.mse(clean, test) == pytest.approx(0.25)
    assert metrics.psnr_count(clean, test) == pytest.approx(10 * math.log10(1 / 0.25))
    assert metrics.psnr_range(clean, test) == pytest.approx(10 * math.log10(16 / 0.25))
    assert metrics.psnr_count(clean, clean) == math.inf


def test_psnr_range_refuses_a_constant_reference():
    with pytest.raises(ValueError, match="data range 0"):
        metrics.psnr_range(np.ones((4, 4)), np.zeros((4, 4)))


def test_shapes_must_match():
    with pytest.raises(ValueError, match="different shapes"):
        metrics.mse(np.zeros((4, 4)), np.zeros((4, 5)))


@pytest.mark.parametrize("data_range", [1.0, 3.7])
def test_ssim_matches_scikit_image(data_range):
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(0)
    clean = ndimage.gaussian_filter(rng.random((40, 48)), 2) * 3
    test = clean + rng.normal(0, 0.1, clean.shape)
    expected = structural_similarity(
        clean,
        test,
        data_range=data_range,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    assert metrics.ssim(clean, test, data_range=data_range) == pytest.approx(expected, abs=1e-10)


def test_ssim_of_an_image_with_itself_is_one_and_data_range_is_required():
    image = np.random.default_rng(1).random((16, 16))
    assert metrics.ssim(image, image, data_range=1.0) == pytest.approx(1.0)
    with pytest.raises(TypeError):
        metrics.ssim(image, image)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="positive"):
        metrics.ssim(image, image, data_range=0.0)


def test_umse_against_a_hand_computed_value():
    f = np.array([[1.0, 2.0]])
    a = np.array([[2.0, 2.0]])  # mean((f - a)^2) = 0.5
    b = np.array([[0.0, 3.0]])
    c = np.array([[2.0, 1.0]])  # mean((b - c)^2) / 2 = 2
    assert metrics.umse(f, a, b, c) == pytest.approx(0.5 - 2.0)
    assert math.isnan(metrics.upsnr(-1.5))
    assert metrics.upsnr(0.01) == pytest.approx(20.0)


def test_umse_is_unbiased_over_many_noise_draws():
    rows, columns = np.mgrid[:48, :48]
    clean = 2.0 + 20.0 * (
        0.5 + 0.5 * np.sin(2 * np.pi * rows / 12) * np.sin(2 * np.pi * columns / 12)
    )
    rng = np.random.default_rng(7)
    draws = 200
    y, a, b, c = rng.poisson(clean, size=(4, draws, *clean.shape)).astype(np.float64)
    denoised = ndimage.gaussian_filter(y, (0, 2.5, 2.5))
    estimates = [metrics.umse(denoised[i], a[i], b[i], c[i]) for i in range(draws)]
    true = [metrics.mse(clean, denoised[i]) for i in range(draws)]
    assert np.mean(estimates) == pytest.approx(np.mean(true), rel=0.02)
    naive = np.mean([metrics.mse(a[i], denoised[i]) for i in range(draws)])
    assert naive > 1.5 * np.mean(true)  # the correction matters
    errors = [metrics.umse_standard_error(denoised[i], a[i], b[i], c[i]) for i in range(20)]
    assert np.mean(errors) == pytest.approx(np.std(estimates), rel=0.2)


def test_adjacent_copies_never_reuse_the_frame_and_stay_near_it():
    for frames in (4, 7):
        for t in range(frames):
            copies = metrics.adjacent_copies(t, frames)
            assert len({t, *copies}) == 4
            assert all(0 <= i < frames for i in copies)
            assert max(abs(i - t) for i in copies) <= 3
    assert metrics.adjacent_copies(3, 10) == (2, 4, 5)
    with pytest.raises(ValueError, match="at least 4 frames"):
        metrics.adjacent_copies(0, 3)


def test_umse_adjacent_of_the_raw_frame_estimates_the_noise_variance():
    rng = np.random.default_rng(2)
    clean = np.full((64, 64), 0.45)
    noisy = rng.poisson(clean, size=(5, 64, 64)).astype(np.float64)
    values = [metrics.umse_adjacent(noisy, noisy[t], t) for t in range(5)]
    assert np.mean(values) == pytest.approx(0.45, rel=0.1)


def test_subsample_2x2_splits_into_the_four_phases():
    image = np.arange(5 * 6).reshape(5, 6)
    parts = metrics.subsample_2x2(image)
    assert parts.shape == (4, 2, 3)
    np.testing.assert_array_equal(parts[0], image[0:4:2, 0::2])
    np.testing.assert_array_equal(parts[3], image[1:4:2, 1::2])


def test_umse_subsampled_with_the_true_denoiser_is_near_zero():
    rng = np.random.default_rng(3)
    clean = np.full((256, 256), 2.0)
    noisy = rng.poisson(clean).astype(np.float64)
    perfect = metrics.umse_subsampled(noisy, lambda image: np.full(image.shape, 2.0))
    identity = metrics.umse_subsampled(noisy, lambda image: image)
    assert abs(perfect) < 0.05
    assert identity == pytest.approx(2.0, rel=0.05)


def test_residual_of_the_true_intensity_is_pure_poisson_noise():
    rng = np.random.default_rng(4)
    rows, _columns = np.mgrid[:128, :128]
    clean = 0.45 + 0.5 * (np.sin(rows / 5.0) ** 2)
    noisy = rng.poisson(clean).astype(np.float64)
    check = metrics.residual_check(noisy, clean)
    assert abs(check.mean_z) < 4
    assert check.variance_ratio == pytest.approx(1.0, abs=0.05)
    np.testing.assert_allclose(check.bin_variance, check.bin_expected, rtol=0.15)
    assert all(abs(v) < 0.03 for v in check.lag_correlation.values())
    width = np.diff(check.z_edges)
    assert np.sum(check.z_expected * width) == pytest.approx(1.0, abs=0.02)
    assert np.abs(check.z_observed - check.z_expected).max() < 0.1


def test_residual_flags_structure_removed_with_the_noise():
    rng = np.random.default_rng(5)
    rows, columns = np.mgrid[:128, :128]
    clean = 0.45 + 1.5 * (np.sin(rows / 2.0) ** 2) * (np.sin(columns / 2.0) ** 2)
    noisy = rng.poisson(clean).astype(np.float64)
    flat = np.full(clean.shape, clean.mean())  # a denoiser that erased the lattice
    check = metrics.residual_check(noisy, flat)
    # residual variance = Poisson (mean) + the lattice's own variance 1.5^2 (9/64 - 1/16)
    lattice = 1.5**2 * (9 / 64 - 1 / 16)
    assert check.variance_ratio == pytest.approx(1 + lattice / clean.mean(), abs=0.05)
    assert check.lag_correlation["row"] > 0.1


def test_residual_check_uses_the_given_variance_line():
    rng = np.random.default_rng(6)
    clean = np.full((64, 64), 100.0)
    noisy = clean + rng.normal(0, np.sqrt(2 * 100.0 + 4.0), clean.shape)
    check = metrics.residual_check(noisy, clean, slope=2.0, offset=4.0)
    assert check.variance_ratio == pytest.approx(1.0, abs=0.1)
    assert check.summary()["noise_model"] == {"variance_slope": 2.0, "variance_offset": 4.0}


def test_temporal_flicker_is_zero_for_a_movie_that_follows_the_truth_and_grows_with_noise():
    rng = np.random.default_rng(0)
    clean = np.cumsum(rng.random((5, 16, 16)), axis=0)  # a changing scene
    assert metrics.temporal_flicker(clean + 3.0, clean) == pytest.approx(0.0, abs=1e-6)
    noisy = clean + rng.normal(0, 0.1, clean.shape)
    assert metrics.temporal_flicker(noisy, clean) == pytest.approx(0.1 * np.sqrt(2), rel=0.1)
    still = np.ones((4, 8, 8))
    assert metrics.temporal_flicker(still) == 0.0
    with pytest.raises(ValueError, match="at least 2 frames"):
        metrics.temporal_flicker(still[:1])
