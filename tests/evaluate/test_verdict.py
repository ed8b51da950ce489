"""The verdict reads an evaluation's numbers and says what is wrong, in words."""

from __future__ import annotations

from temdenoise.evaluate.verdict import verdict


def body(**changes):
    metrics = {
        "summary": {
            "psnr_count": 26.0,
            "psnr_count_noisy": 3.5,
            "ssim": 0.9,
            "upsnr_count": 25.0,
            "upsnr_count_noisy": 3.5,
        },
        "residual": {
            "mean": 0.001,
            "mean_z": 1.0,
            "variance_ratio": 1.02,
            "lag_correlation": {"row": 0.01, "column": -0.02},
            "bins": {"intensity": [0.4, 0.5], "pixels": [100, 100]},
        },
        "atoms": {"detected": 100, "unsupported": 1},
    }
    for key, value in changes.items():
        section, name = key.split("__")
        metrics[section][name] = value
    return metrics


def levels(findings):
    return [f.level for f in findings]


def test_a_good_evaluation_is_all_good():
    found = verdict(body(), counts="integers >= 0: counted electrons")
    assert set(levels(found)) == {"good"}
    assert any("uPSNR rises from 3.50 dB (raw) to 25.00 dB" in f.text for f in found)


def test_camera_units_and_a_worse_output_are_problems_listed_first():
    found = verdict(
        body(summary__upsnr_count=-64.7, residual__variance_ratio=113.0),
        counts="not counts: negative values (min -3e+04); give counts per pixel",
    )
    assert levels(found)[:3] == ["problem", "problem", "problem"]
    texts = " ".join(f.text for f in found)
    assert "not counts: negative values" in texts
    assert "makes these frames worse" in texts
    assert "113 times the variance" in texts


def test_a_biased_output_and_a_correlated_residual_are_warnings():
    found = verdict(
        body(
            residual__mean=0.017,
            residual__mean_z=46.0,
            residual__lag_correlation={"row": 0.3, "column": 0.0},
        )
    )
    texts = [f.text for f in found if f.level == "warning"]
    assert any("3.8% lower than the raw counts" in t for t in texts)
    assert any("correlated between row neighbours (0.30)" in t for t in texts)


def test_unsupported_columns_are_a_problem():
    found = verdict(body(atoms__unsupported=30))
    assert any(f.level == "problem" and "30 of 100 atomic columns" in f.text for f in found)
