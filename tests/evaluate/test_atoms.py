import numpy as np
import pytest

from temdenoise.evaluate import atoms

from .conftest import lattice_positions, render


def test_detect_atoms_finds_every_column_with_sub_pixel_accuracy(scene):
    _, truth, clean = scene
    shifted = truth + np.array([0.3, -0.2])
    found = atoms.detect_atoms(render(clean.shape, shifted), sigma=1.0, min_distance=4)
    assert len(found) == len(truth)
    key = np.rint(found).astype(int)
    order = np.lexsort((key[:, 1], key[:, 0]))
    np.testing.assert_allclose(found[order], shifted, atol=0.1)


def test_detect_dark_columns():
    shape = (48, 48)
    truth = lattice_positions(shape, spacing=12.0, margin=6.0)
    image = render(shape, truth, background=1.0, amplitude=-0.6)
    found = atoms.detect_atoms(image, polarity="dark")
    assert len(found) == len(truth)


def test_otsu_threshold_separates_two_levels():
    image = np.concatenate([np.full(100, 1.0), np.full(50, 3.0)])
    assert 1.0 < atoms.otsu_threshold(image) < 3.0


def test_surface_atoms_of_a_square_block():
    block = np.array([(r, c) for r in range(5) for c in range(5)], dtype=np.float64) * 10
    surface = atoms.surface_atoms(block)
    on_edge = (block.min(axis=1) == 0) | (block.max(axis=1) == 40)
    np.testing.assert_array_equal(surface, on_edge)


def test_score_atoms_against_hand_counted_matches():
    truth = np.array([[0, 0], [0, 10], [0, 20], [10, 0], [10, 10], [10, 20]], dtype=float)
    surface = np.array([True, True, True, False, False, False])
    detected = np.array(
        [
            [0.5, 0.0],  # matches truth 0 (surface)
            [0.0, 11.0],  # matches truth 1 (surface)
            [-8.0, 10.0],  # invented adatom: nearest truth 1 (surface) -> surface FP
            [10.0, 10.5],  # matches truth 4
            [10.0, 10.0],  # second hit on truth 4 -> FP (bulk)
        ]
    )
    scores = atoms.score_atoms(detected, truth, tolerance=2.0, surface=surface)
    assert scores.n_matched == 3
    assert scores.precision == pytest.approx(3 / 5)
    assert scores.recall == pytest.approx(3 / 6)
    assert scores.f1 == pytest.approx(2 * 3 / (5 + 6))
    assert scores.n_surface_detected == 3
    assert scores.surface_precision == pytest.approx(2 / 3)
    assert scores.surface_recall == pytest.approx(2 / 3)
    assert scores.surface_f1 == pytest.approx(2 / 3)
    assert sorted(scores.false_negatives.tolist()) == [2, 3, 5]
    assert {tuple(m) for m in scores.matches.tolist()} == {(0, 0), (1, 1), (4, 4)}


def test_score_atoms_without_detections():
    scores = atoms.score_atoms(np.zeros((0, 2)), np.array([[1.0, 1.0]]), tolerance=1.0)
    assert scores.recall == 0.0
    assert np.isnan(scores.precision)


def test_log_likelihood_ratio_against_a_hand_computed_value():
    counts = np.array([[2.0, 0.0]])
    denoised = np.array([[1.0, 1.0]])
    llr = atoms.log_likelihood_ratio_map(counts, denoised, background=0.5)
    expected = [2 * np.log(2.0) - 0.5, -0.5]
    np.testing.assert_allclose(llr[0], expected)
    total = atoms.atom_log_likelihood_ratios(
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
            atoms.atom_log_likelihood_ratios(
                counts, denoised, np.vstack([truth, spurious]), background=0.45, radius=3.0
            )
        )
    llr = np.array(llr)
    assert np.all(llr[:, -2:] < 0)
    assert np.mean(llr[:, :-2] > 0) > 0.95
    assert np.median(llr[:, :-2]) > 3.0


def test_estimate_background_reads_the_level_between_columns(scene):
    _, truth, clean = scene
    level = atoms.estimate_background(clean, truth, radius=3.0)
    assert level == pytest.approx(0.45, abs=0.01)


def test_atom_map_paints_discs_and_leaves_the_rest_empty():
    painted = atoms.atom_map((9, 9), np.array([[4.0, 4.0], [0.0, 8.0]]), [2.5, -1.0], radius=1.0)
    assert np.sum(painted == 2.5) == 5  # the centre and its 4 neighbours
    assert np.sum(painted == -1.0) == 3  # a disc cut by the corner
    assert np.isnan(painted).sum() == 81 - 8
