import numpy as np

from temdenoise.figures.spectra import evaluation_spectra_figure

from .conftest import assert_not_blank


def test_spectra_figure_with_and_without_a_pixel_size(tmp_path):
    rng = np.random.default_rng(1)
    rows, columns = np.mgrid[:64, :64]
    lattice = 2.0 + np.cos(2 * np.pi * rows / 8) * np.cos(2 * np.pi * columns / 8)
    noisy = rng.poisson(lattice).astype(np.float32)
    for pixel_size in (0.25, None):
        path = tmp_path / f"spectra-{pixel_size}.png"
        assert evaluation_spectra_figure(noisy, lattice, path, pixel_size=pixel_size) == path
        assert_not_blank(path)
