import numpy as np
import pytest

from temdenoise.evaluate import likelihood

from .conftest import render


def test_log_likelihood_ratio_against_a_hand_computed_value():
    counts = np.array([[2.0, 0.0]])
    denoised = np.array([[1.0, 1.0]])
    llr = likelihood.log_likelihood_ratio_map(counts, denoised, background=0.5)
    expected = [2 * np.log(2.0) - 0.5, -0.5]
    np.testing.assert_allclose(llr[0], expected)
    total = likelihood.atom_log_likelihood_ratios(
        counts, denoised, np.array([[0.0, 0.0]]), background=0.5, radius=1.0
    )
    assert total[0] == pytest.approx(sum(expected))


def test_likelihood_ratio_is_negative_for_a_planted_spurious_atom(scene):
    shape, truth, clean = scene
    rng = np.random.default_rng(11)
    spurious = np.array([[8.0, 48.0], [88.0, 10.0]])  # in vacuum, outside the particle
    denoised = render(shape, np.vstack([truth, spurious]))  # the denoiser invents two atoms
    llr = []
    for _ in range(3):
        counts = rng.poisson(clean).astype(np.float64)
        llr.append(
            likelihood.atom_log_likelihood_ratios(
                counts, denoised, np.vstack([truth, spurious]), background=0.45, radius=3.0
            )
        )
    llr = np.array(llr)
    assert np.all(llr[:, -2:] < 0)
    assert np.mean(llr[:, :-2] > 0) > 0.95
    assert np.median(llr[:, :-2]) > 3.0


def test_estimate_background_reads_the_level_between_columns(scene):
    _, truth, clean = scene
    level = likelihood.estimate_background(clean, truth, radius=3.0)
    assert level == pytest.approx(0.45, abs=0.01)
