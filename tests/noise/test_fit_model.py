import numpy as np
import pytest

from temdenoise.errors import InputError
from temdenoise.noise import DetectorPSF, GainReadNoise, NoiseModel, Poisson, fit_noise_model
from temdenoise.noise.fit_counting import fit_categorical

from .conftest import SEEDS, scene


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_movie_with_vacuum_gives_dose_and_a_poisson_like_table(seed):
    rng = np.random.default_rng(seed)
    frames = rng.poisson(scene(96, 96, mean=0.45, contrast=0.8), (24, 96, 96))
    vacuum = rng.poisson(0.45, (24, 64, 64))
    fit = fit_noise_model(frames, vacuum=vacuum)
    assert fit.model.detector == "counting"
    assert fit.model.dose == pytest.approx(0.45, rel=0.02)
    assert fit.categorical is not None
    assert fit.categorical.total_poisson_kl < 2e-3
    assert fit.transfer is not None
    assert fit.transfer.slope == pytest.approx(1.0, abs=0.05)  # var = mean


@pytest.mark.parametrize("seed", SEEDS)
def test_gain_offset_read_noise_and_psf_within_tolerance(seed):
    rng = np.random.default_rng(seed)
    truth = NoiseModel(
        stages=(
            Poisson(),
            DetectorPSF(0.8, 0.6),
            GainReadNoise(gain=3.0, offset=100.0, read_noise=4.0),
        ),
        detector="integrating",
    )
    # crop the edges, where the mirrored PSF is not stationary
    expected = scene(272, 272, mean=20.0, contrast=0.9)
    frames = np.stack([truth.sample(expected, rng=rng, raw=True) for _ in range(24)])[:, 8:-8, 8:-8]
    fit = fit_noise_model(frames)
    stages = {stage.kind: stage for stage in fit.model.stages}
    assert list(stages) == ["poisson", "psf", "gain_read_noise"]
    gain = stages["gain_read_noise"]
    psf = stages["psf"]
    assert isinstance(gain, GainReadNoise)
    assert isinstance(psf, DetectorPSF)
    assert gain.gain == pytest.approx(3.0, rel=0.05)
    assert gain.read_noise == pytest.approx(4.0, rel=0.05)
    assert gain.offset == pytest.approx(100.0, abs=5.0)
    assert psf.sigma_row == pytest.approx(0.8, rel=0.10)
    assert psf.sigma_column == pytest.approx(0.6, rel=0.10)


def test_known_offset_gives_read_noise_without_a_psf():
    rng = np.random.default_rng(7)
    truth = NoiseModel(
        stages=(Poisson(), GainReadNoise(gain=2.0, offset=10.0, read_noise=3.0)),
        detector="integrating",
    )
    frames = np.stack(
        [
            truth.sample(scene(128, 128, mean=30.0, contrast=0.8), rng=rng, raw=True)
            for _ in range(12)
        ]
    )
    with pytest.raises(InputError, match="give the detector offset"):
        fit_noise_model(frames)
    gain = fit_noise_model(frames, offset=10.0).model.stages[-1]
    assert isinstance(gain, GainReadNoise)
    assert gain.gain == pytest.approx(2.0, rel=0.05)
    assert gain.read_noise == pytest.approx(3.0, rel=0.05)


def test_fit_noise_model_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(
        InputError, match=r"too few frames: 4 \(the categorical model needs at least 8"
    ):
        fit_noise_model(rng.poisson(0.5, (4, 32, 32)))
    with pytest.raises(InputError, match="gain and read noise need at least 2 frames"):
        fit_noise_model(rng.normal(100, 5, (32, 32)))
    with pytest.raises(InputError, match="needs integer counts"):
        fit_categorical(rng.normal(100, 5, (10, 32, 32)))
    # a single counted frame with a vacuum region: Poisson
    fit = fit_noise_model(rng.poisson(0.5, (32, 32)), vacuum=rng.poisson(0.5, (64, 64)))
    assert [s.kind for s in fit.model.stages] == ["poisson"]
