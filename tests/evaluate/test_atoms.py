import numpy as np

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
