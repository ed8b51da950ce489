import json

import numpy as np
import pytest
import torch

from temdenoise.errors import InputError
from temdenoise.noise import (
    Categorical,
    DetectorPSF,
    GainReadNoise,
    NoiseModel,
    Poisson,
    stage_from_dict,
)
from temdenoise.noise.detector import gaussian_taps
from temdenoise.noise.store import load_noise_model, save_noise_model


def table() -> Categorical:
    # sub-Poissonian counts (coincidence loss) at three intensities
    probs = np.array([[0.75, 0.22, 0.03], [0.5, 0.4, 0.1], [0.2, 0.5, 0.3]])
    return Categorical(lambdas=probs @ np.arange(3), probabilities=probs)


def models() -> list[NoiseModel]:
    return [
        NoiseModel(stages=(Poisson(),), dose=0.45),
        NoiseModel(stages=(table(),)),
        NoiseModel(
            stages=(
                Poisson(),
                DetectorPSF(0.7, 1.1),
                GainReadNoise(gain=2.5, offset=50, read_noise=3),
            ),
            detector="integrating",
        ),
    ]


@pytest.mark.parametrize("model", models(), ids=["poisson", "categorical", "integrating"])
def test_json_round_trip_gives_the_same_samples(model, tmp_path):
    text = json.dumps(model.to_dict())
    again = NoiseModel.from_dict(json.loads(text))
    assert again.to_dict() == model.to_dict()
    expected = np.full((32, 32), 0.6)
    a = model.sample(expected, rng=np.random.default_rng(3))
    b = again.sample(expected, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    path = save_noise_model(model, tmp_path / "noise.json")
    assert load_noise_model(path).to_dict() == model.to_dict()


def test_counting_stages_sample_integers_at_the_right_mean():
    rng = np.random.default_rng(0)
    expected = np.full((200, 200), 0.45)
    for model in models()[:2]:
        noisy = model.sample(expected, rng=rng)
        assert noisy.dtype == np.float32
        assert noisy.shape == expected.shape
        assert np.all(noisy >= 0)
        assert np.all(noisy == np.round(noisy))
        assert abs(noisy.mean() - 0.45) < 0.01


def test_categorical_mean_is_linear_in_lambda_and_zero_gives_zero():
    cat = table()
    lam = np.array(
        [0.0, cat.lambdas[0] / 2, cat.lambdas[0], 0.5 * (cat.lambdas[1] + cat.lambdas[2])]
    )
    pmf = cat.pmf(lam)
    np.testing.assert_allclose(pmf.sum(-1), 1.0)
    np.testing.assert_allclose(pmf @ np.arange(3), lam, rtol=1e-12, atol=1e-12)
    rng = np.random.default_rng(1)
    assert not np.any(cat.sample(np.zeros((50, 50)), rng=rng))
    # above the table, a Poisson excess keeps the mean right
    high = cat.lambdas[-1] + 2.0
    draws = cat.sample(np.full((300, 300), high), rng=rng)
    assert abs(draws.mean() - high) < 0.02


def test_psf_keeps_the_mean_and_the_variance_factor():
    rng = np.random.default_rng(2)
    psf = DetectorPSF(0.8, 0.5)
    white = rng.standard_normal((256, 256)).astype(np.float32)
    out = psf.sample(white + 5, rng=rng)
    assert abs(out.mean() - (white + 5).mean()) < 1e-3
    assert out.var() == pytest.approx(psf.noise_factor * white.var(), rel=0.05)
    np.testing.assert_allclose(gaussian_taps(0.8).sum(), 1.0)
    assert DetectorPSF(0.0, 0.0).noise_factor == 1.0


def test_torch_and_numpy_agree(device):
    # deterministic stage: identical results; random stages: same moments
    psf = DetectorPSF(0.9, 0.4)
    image = np.random.default_rng(4).poisson(3.0, (2, 40, 50)).astype(np.float32)
    got = psf.sample_torch(torch.as_tensor(image, device=device), generator=torch.Generator(device))
    np.testing.assert_allclose(
        got.cpu().numpy(), psf.sample(image, rng=np.random.default_rng()), atol=1e-5
    )
    expected = np.full((256, 256), 0.7, dtype=np.float32)
    for model in models():
        gen = torch.Generator(device).manual_seed(0)
        t = model.sample_torch(torch.as_tensor(expected, device=device), generator=gen)
        assert t.device.type == device.type
        assert t.dtype == torch.float32
        n = model.sample(expected, rng=np.random.default_rng(0))
        t = t.cpu().numpy()
        assert abs(t.mean() - n.mean()) < 0.02
        assert t.var() == pytest.approx(n.var(), rel=0.06)
        if model.detector == "counting":
            assert np.all(t >= 0)
            assert np.all(t == np.round(t))


def test_calibrated_and_raw_values_and_corrupt():
    model = models()[2]
    rng = np.random.default_rng(5)
    raw = model.sample(np.full((128, 128), 10.0), rng=rng, raw=True)
    assert abs(raw.mean() - (2.5 * 10 + 50)) < 0.5
    counts = model.to_counts(raw)
    assert abs(counts.mean() - 10) < 0.2
    noisy, target = models()[0].corrupt(np.ones((64, 64)), rng=rng)
    np.testing.assert_allclose(target, 0.45)
    assert abs(noisy.mean() - 0.45) < 0.05
    with pytest.raises(ValueError, match="no measured dose"):
        models()[1].corrupt(np.ones((4, 4)), rng=rng)
    with pytest.raises(ValueError, match="finite and >= 0"):
        model.sample(np.array([[-1.0, 1.0]]), rng=rng)


def test_invalid_models():
    with pytest.raises(ValueError, match="counting stage"):
        NoiseModel(stages=(DetectorPSF(1, 1), Poisson()))
    with pytest.raises(ValueError, match="strictly increasing"):
        Categorical(lambdas=np.array([0.5, 0.4]), probabilities=np.ones((2, 3)))
    with pytest.raises(ValueError, match="gain must be > 0"):
        GainReadNoise(gain=0, offset=0, read_noise=1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "other"}, "not a temdenoise noise model"),
        ({"format": "temdenoise-noise", "schema_version": 99, "stages": []}, "schema_version 99"),
        (
            {"format": "temdenoise-noise", "schema_version": 1, "stages": [{"kind": "magic"}]},
            "unknown stage kind 'magic'",
        ),
        (
            {
                "format": "temdenoise-noise",
                "schema_version": 1,
                "stages": [{"kind": "psf", "sigma_row": -1, "sigma_column": 0}],
            },
            "invalid psf stage",
        ),
        ({"format": "temdenoise-noise", "schema_version": 1, "stages": []}, "at least one stage"),
    ],
)
def test_bad_model_dicts_give_one_line(data, message):
    with pytest.raises(InputError, match=message) as info:
        NoiseModel.from_dict(data)
    assert "\n" not in str(info.value)


def test_bad_model_files(tmp_path):
    with pytest.raises(InputError, match="noise model file not found"):
        load_noise_model(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(InputError, match=r"bad\.json: not a readable JSON"):
        load_noise_model(bad)
    bad.write_text('{"format": "x"}')
    with pytest.raises(InputError, match=r"bad\.json: not a temdenoise noise model"):
        load_noise_model(bad)


def test_stage_from_dict_round_trip():
    for stage in (
        Poisson(),
        table(),
        DetectorPSF(0.3, 0.0),
        GainReadNoise(gain=1.5, offset=2, read_noise=0.5),
    ):
        assert stage_from_dict(stage.to_dict()).to_dict() == stage.to_dict()
