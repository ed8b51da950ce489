import numpy as np
import pytest

from temdenoise.evaluate import residual


def test_residual_of_the_true_intensity_is_pure_poisson_noise():
    rng = np.random.default_rng(4)
    rows, _columns = np.mgrid[:128, :128]
    clean = 0.45 + 0.5 * (np.sin(rows / 5.0) ** 2)
    noisy = rng.poisson(clean).astype(np.float64)
    check = residual.residual_check(noisy, clean)
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
    check = residual.residual_check(noisy, flat)
    # residual variance = Poisson (mean) + the lattice's own variance 1.5^2 (9/64 - 1/16)
    lattice = 1.5**2 * (9 / 64 - 1 / 16)
    assert check.variance_ratio == pytest.approx(1 + lattice / clean.mean(), abs=0.05)
    assert check.lag_correlation["row"] > 0.1


def test_residual_check_uses_the_given_variance_line():
    rng = np.random.default_rng(6)
    clean = np.full((64, 64), 100.0)
    noisy = clean + rng.normal(0, np.sqrt(2 * 100.0 + 4.0), clean.shape)
    check = residual.residual_check(noisy, clean, slope=2.0, offset=4.0)
    assert check.variance_ratio == pytest.approx(1.0, abs=0.1)
    assert check.summary()["noise_model"] == {"variance_slope": 2.0, "variance_offset": 4.0}
