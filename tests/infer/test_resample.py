"""Count-conserving resampling: binning keeps Poisson counts Poisson, enlarging inverts it."""

from __future__ import annotations

import numpy as np
import pytest

from temdenoise.infer.resample import (
    SamplingError,
    bin_frames,
    binned_shape,
    enlarge_frames,
    resample_factor,
)

SEED_PIXEL = 0.0488
"""The seed's detector sampling, A/px."""


def test_unknown_or_matching_pixel_sizes_are_not_resampled() -> None:
    assert resample_factor(None, 0.25) is None
    assert resample_factor(0.2501, 0.25) is None


def test_inside_the_trained_range_nothing_is_resampled() -> None:
    assert resample_factor(0.18, 0.25, (0.15, 0.4)) is None
    assert resample_factor(0.4, 0.25, (0.15, 0.4)) is None


def test_finer_data_are_binned_by_whole_pixels_when_that_lands_in_the_range() -> None:
    assert resample_factor(SEED_PIXEL, 0.25, (0.15, 0.4)) == pytest.approx(1 / 5)
    assert resample_factor(0.075, 0.25, (0.15, 0.4)) == pytest.approx(1 / 3)
    assert resample_factor(0.01, 0.25, (0.15, 0.4)) == pytest.approx(1 / 25)


def test_without_a_range_finer_data_are_binned_exactly_to_the_model_grid() -> None:
    assert resample_factor(SEED_PIXEL, 0.25) == pytest.approx(SEED_PIXEL / 0.25)
    assert resample_factor(0.05, 0.25) == pytest.approx(1 / 5)


@pytest.mark.parametrize("pixel_size", [0.45, 33.0, 191.0])
def test_coarser_data_are_refused_naming_the_range(pixel_size: float) -> None:
    with pytest.raises(SamplingError, match=r"coarser than the model's trained range 0.15-0.4"):
        resample_factor(pixel_size, 0.25, (0.15, 0.4))


def test_a_flat_poisson_field_binned_by_a_non_integer_factor_stays_poisson() -> None:
    rng = np.random.default_rng(0)
    frames = rng.poisson(0.45, size=(2, 1024, 1024)).astype(np.uint16)
    factor = SEED_PIXEL / 0.25
    out = bin_frames(frames, binned_shape((1024, 1024), factor))
    assert out.shape == (2, 200, 200)
    assert out.sum() == frames.sum()
    assert out.var() / out.mean() == pytest.approx(1.0, abs=0.03)
    assert np.all(out == np.round(out))
    np.testing.assert_array_equal(out, bin_frames(frames, (200, 200)))  # seeded by the frame


def test_expected_counts_get_exact_area_weights() -> None:
    frames = np.full((1, 50, 75), 0.45, dtype=np.float32)
    out = bin_frames(frames, (13, 19))  # 3.85 x 3.95 old pixels each
    np.testing.assert_allclose(out, 0.45 * (50 / 13) * (75 / 19), rtol=1e-6)
    ramp = np.random.default_rng(1).random((1, 50, 75)) + 0.5
    assert bin_frames(ramp, (13, 19)).sum() == pytest.approx(ramp.sum(), rel=1e-6)


def test_integer_binning_is_a_sum_of_whole_pixels() -> None:
    frames = np.random.default_rng(2).poisson(3.0, size=(3, 40, 60))
    out = bin_frames(frames, (8, 12))
    np.testing.assert_array_equal(out, frames.reshape(3, 8, 5, 12, 5).sum(axis=(2, 4)))


def test_binning_an_enlarged_image_gives_it_back() -> None:
    coarse = np.random.default_rng(3).random((2, 37, 41)) * 10
    fine = enlarge_frames(coarse, (190, 201))
    np.testing.assert_allclose(bin_frames(fine, (37, 41)), coarse, rtol=1e-5, atol=1e-5)
    assert fine.sum() == pytest.approx(coarse.sum(), rel=1e-5)


def test_a_band_limited_image_survives_the_round_trip_at_50_db() -> None:
    n = 1000
    x = (np.arange(n) + 0.5) / n
    fine = 0.45 + 0.2 * np.sin(2 * np.pi * 9 * x)[:, None] * np.cos(2 * np.pi * 13 * x + 1)
    fine = fine[None].astype(np.float32)
    small = binned_shape((n, n), SEED_PIXEL / 0.25)
    back = enlarge_frames(bin_frames(fine, small), (n, n))
    mse = float(np.mean((back - fine) ** 2))
    data_range = float(fine.max() - fine.min())
    assert 10 * np.log10(data_range**2 / mse) >= 50


def test_frames_too_small_for_the_spline_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 4 px"):
        enlarge_frames(np.ones((1, 3, 8)), (15, 40))
    with pytest.raises(ValueError, match="cannot bin"):
        bin_frames(np.ones((1, 8, 8)), (9, 8))


@pytest.mark.parametrize(
    ("frames", "shape"),
    [
        (np.random.default_rng(3).poisson(0.45, (5, 103, 97)).astype(np.uint16), (20, 19)),
        (np.random.default_rng(4).poisson(0.45, (5, 100, 95)), (20, 19)),  # whole pixels
        (np.random.default_rng(5).gamma(2.0, 1.0, (5, 103, 97)), (20, 19)),  # expected counts
    ],
    ids=["counts-split", "whole-pixels", "expected-counts"],
)
def test_frames_resampled_side_by_side_give_the_same_bytes(frames, shape) -> None:
    one = bin_frames(frames, shape)
    np.testing.assert_array_equal(bin_frames(frames, shape, workers=3), one)
    back = enlarge_frames(one, frames.shape[1:])
    np.testing.assert_array_equal(enlarge_frames(one, frames.shape[1:], workers=3), back)
    # each frame binned alone: the split's draws follow the frame, not its place in a stack
    np.testing.assert_array_equal(bin_frames(frames[2:3], shape)[0], one[2])
