import numpy as np
import pytest

from temdenoise.evaluate import atom_scores


def test_surface_atoms_of_a_square_block():
    block = np.array([(r, c) for r in range(5) for c in range(5)], dtype=np.float64) * 10
    surface = atom_scores.surface_atoms(block)
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
    scores = atom_scores.score_atoms(detected, truth, tolerance=2.0, surface=surface)
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
    scores = atom_scores.score_atoms(np.zeros((0, 2)), np.array([[1.0, 1.0]]), tolerance=1.0)
    assert scores.recall == 0.0
    assert np.isnan(scores.precision)
