import numpy as np
import pytest

from temdenoise.errors import ConfigError, InputError
from temdenoise.evaluate.movie import evaluate_movie

from .conftest import SPURIOUS


def test_evaluate_movie_measures_with_and_without_ground_truth(movie):
    clean, noisy, denoised = movie
    result = evaluate_movie(noisy, denoised, clean[None], pixel_size=0.25, tolerance=2.5)
    body = result.metrics
    assert body["frames_evaluated"] == 5
    assert body["frame_shown"] == 2
    per = body["per_frame"]
    for key in ("psnr_count", "psnr_range", "ssim", "umse", "upsnr_count", "upsnr_count_noisy"):
        assert len(per[key]) == 5
    summary = body["summary"]
    assert summary["psnr_count"] > summary["psnr_count_noisy"] + 5
    noisy_mse = 10 ** (-summary["psnr_count_noisy"] / 10)
    assert summary["umse_noisy"] == pytest.approx(noisy_mse, rel=0.1)
    assert abs(summary["umse"] - summary["mse"]) < 0.03  # 5 small frames: a rough estimate
    atoms = body["atoms"]
    assert atoms["scores"]["recall"] == 1.0
    assert atoms["scores"]["n_detected"] == atoms["scores"]["n_truth"] + 1
    assert atoms["scores"]["surface_precision"] < 1.0  # the invented adatom
    flagged = [tuple(np.rint(p[:2])) for p in atoms["unsupported_positions"]]
    assert SPURIOUS in flagged
    assert set(body["profiles"]["snr"]) == {"noisy", "denoised"}
    assert body["profiles"]["snr_vs_clean"]["denoised"] > body["profiles"]["snr_vs_clean"]["noisy"]


def test_evaluate_movie_without_ground_truth_and_with_too_few_frames(movie):
    _, noisy, denoised = movie
    calls = []
    result = evaluate_movie(noisy[:2], denoised[:2], progress=lambda *done: calls.append(done))
    assert calls == [(1, 2), (2, 2)]
    assert "umse" not in result.metrics["per_frame"]
    assert result.metrics["atoms"]["scores"] is None
    assert any("4 frames" in note for note in result.metrics["notes"])


def test_evaluate_movie_refuses_bad_arrays(movie):
    _clean, noisy, denoised = movie
    with pytest.raises(InputError, match="denoised: shape"):
        evaluate_movie(noisy, denoised[:, :-1])
    bad = denoised.copy()
    bad[1, 3, 3] = np.nan
    with pytest.raises(InputError, match="denoised: frame 1 has NaN"):
        evaluate_movie(noisy, bad)
    with pytest.raises(ConfigError, match="frame 9"):
        evaluate_movie(noisy, denoised, frame=9)
    with pytest.raises(ConfigError, match="leaves"):
        evaluate_movie(noisy, denoised, line=(1, 0, 1, 63))
