import numpy as np

from temdenoise.figures import likelihood

from .conftest import assert_not_blank


def test_atom_map_paints_discs_and_leaves_the_rest_empty():
    painted = likelihood.atom_map(
        (9, 9), np.array([[4.0, 4.0], [0.0, 8.0]]), [2.5, -1.0], radius=1.0
    )
    assert np.sum(painted == 2.5) == 5  # the centre and its 4 neighbours
    assert np.sum(painted == -1.0) == 3  # a disc cut by the corner
    assert np.isnan(painted).sum() == 81 - 8


def test_likelihood_figure_from_plain_arrays(tmp_path):
    rows, columns = np.mgrid[:48, :48]
    positions = np.array([[12.0, 12.0], [12.0, 36.0], [36.0, 12.0], [36.0, 36.0]])
    image = 0.5 + sum(np.exp(-((rows - r) ** 2 + (columns - c) ** 2) / 8) for r, c in positions)
    llr = np.array([5.0, 3.0, -2.0, 8.0])
    path = likelihood.evaluation_likelihood_figure(
        image, positions, llr, tmp_path / "l.png", background=0.5, radius=3.0, truth=positions
    )
    assert_not_blank(path)
    empty = likelihood.evaluation_likelihood_figure(
        image, np.zeros((0, 2)), np.zeros(0), tmp_path / "e.png", background=0.5, radius=3.0
    )
    assert empty.is_file()
