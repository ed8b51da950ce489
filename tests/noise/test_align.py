import numpy as np

from temdenoise.noise.align import align_frames, estimate_drift

from .conftest import scene


def test_drift_is_found_and_undone():
    rng = np.random.default_rng(3)
    from scipy.ndimage import gaussian_filter

    big = 1.0 + gaussian_filter(rng.standard_normal((160, 160)), 3) * 8  # no periodicity
    big = np.clip(big, 0.05, None)
    drift = np.array([[t // 4, -(t // 6)] for t in range(24)])
    frames = np.stack(
        [rng.poisson(big[16 + dr : 144 + dr, 16 + dc : 144 + dc]) for dr, dc in drift]
    )
    shifts = estimate_drift(frames.astype(float), group=2)
    # frame t shows the scene moved by -drift[t]; a straight line through the estimates
    # stays within one pixel of the staircase
    expected = -drift - np.round(np.median(-drift, axis=0))
    assert np.abs(shifts - expected).max() <= 1
    aligned = align_frames(frames, shifts)
    assert aligned.shape[0] == 24
    assert aligned.shape[1] < 128


def test_static_movie_has_no_false_drift():
    rng = np.random.default_rng(4)
    frames = rng.poisson(scene(128, 128, mean=0.45, contrast=0.8), (32, 128, 128))
    assert not np.any(estimate_drift(frames.astype(float), group=4))
