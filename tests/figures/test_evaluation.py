from types import SimpleNamespace

import numpy as np

from temdenoise.evaluate.residual import residual_check
from temdenoise.figures import evaluation

from .conftest import assert_not_blank


def _scene(seed=2):
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[:48, :48]
    clean = 1.0 + np.cos(2 * np.pi * rows / 8) * np.cos(2 * np.pi * columns / 8)
    return clean, rng.poisson(clean).astype(np.float64)


def test_comparison_figure_of_three_panels(tmp_path):
    clean, noisy = _scene()
    panels = [("clean", clean), ("noisy (raw counts)", noisy), ("denoised", clean)]
    path = evaluation.evaluation_comparison_figure(
        panels, tmp_path / "c.png", pixel_size=0.25, title="frame 0"
    )
    assert_not_blank(path)


def test_profile_figure_reads_any_object_with_the_profile_fields(tmp_path):
    clean, noisy = _scene()
    distance = np.arange(30.0)
    profiles = {
        name: SimpleNamespace(distance=distance, values=image[24, 9:39] * 10, start=(24.0, 9.0),
                              end=(24.0, 38.0), width=10, reduce="sum")
        for name, image in (("noisy", noisy), ("denoised", clean), ("clean", clean))
    }  # fmt: skip
    path = evaluation.evaluation_profile_figure(
        noisy, clean, profiles, tmp_path / "p.png", pixel_size=None, snr={"noisy": 1.5}
    )
    assert_not_blank(path)


def test_residual_figure(tmp_path):
    clean, noisy = _scene()
    path = evaluation.evaluation_residual_figure(residual_check(noisy, clean), tmp_path / "r.png")
    assert_not_blank(path)


def test_per_frame_figure_with_standard_errors_and_without_any_series(tmp_path):
    series = {
        "frame": [0, 1, 2, 3],
        "psnr_count": [20.0, 21.0, 20.5, 20.8],
        "umse": [0.01, 0.012, -0.001, 0.011],
        "umse_se": [0.002, 0.002, 0.002, 0.002],
        "upsnr_count": [20.0, 19.2, float("nan"), 19.6],
    }
    assert_not_blank(evaluation.evaluation_per_frame_figure(series, tmp_path / "f.png"))
    empty = evaluation.evaluation_per_frame_figure({"frame": [0, 1]}, tmp_path / "e.png")
    assert empty.is_file()
