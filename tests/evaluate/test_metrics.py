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
