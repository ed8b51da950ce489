from __future__ import annotations

import numpy as np
import pytest

from temdenoise.infer.resample import resample_factor, zoom_frames


def test_no_resampling_for_unknown_or_matching_pixel_size() -> None:
    assert resample_factor(None, 0.25) is None
    assert resample_factor(0.2501, 0.25) is None
    assert resample_factor(0.5, 0.25) == pytest.approx(2.0)


def test_inside_the_trained_range_nothing_is_resampled() -> None:
    assert resample_factor(0.18, 0.25, (0.15, 0.4)) is None
    assert resample_factor(0.4, 0.25, (0.15, 0.4)) is None


def test_outside_the_trained_range_resamples_to_its_nearer_end() -> None:
    assert resample_factor(0.8, 0.25, (0.15, 0.4)) == pytest.approx(2.0)
    assert resample_factor(0.075, 0.25, (0.15, 0.4)) == pytest.approx(0.5)


def test_zoom_conserves_counts_per_area() -> None:
    frames = np.full((2, 20, 30), 0.5, dtype=np.float32)
    out = zoom_frames(frames, (10, 15))
    assert out.shape == (2, 10, 15)
    np.testing.assert_allclose(out, 2.0, rtol=1e-6)
