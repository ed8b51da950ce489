import numpy as np
import pytest

from temdenoise.errors import InputError
from temdenoise.noise import DetectorPSF, GainReadNoise, NoiseModel, Poisson, fit_noise_model
from temdenoise.noise.align import align_frames, estimate_drift
from temdenoise.noise.fit import fit_categorical, fit_flat, kl_divergence, leave_one_out_mean
from temdenoise.noise.spectrum import fit_correlation, noise_fields

SEEDS = [0, 1, 2]


def scene(rows: int, cols: int, *, mean: float, contrast: float) -> np.ndarray:
    r, c = np.mgrid[:rows, :cols]
    return mean * (1 + contrast * np.sin(c / 5.0) * np.cos(r / 7.0))


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_dose_from_vacuum_within_2_percent(seed):
    rng = np.random.default_rng(seed)
    vacuum = rng.poisson(0.45, (8, 128, 128))
    flat = fit_flat(vacuum)
    assert flat.mean == pytest.approx(0.45, rel=0.02)
    assert flat.fano == pytest.approx(1.0, abs=0.03)
    assert flat.kl < 1e-3


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


@pytest.mark.parametrize(("seed", "sigmas"), [(0, (0.5, 1.2)), (1, (1.0, 0.7)), (2, (0.6, 0.6))])
def test_correlation_kernel_width_within_10_percent(seed, sigmas):
    rng = np.random.default_rng(seed)
    psf = DetectorPSF(*sigmas)
    # crop the edges, where the mirrored PSF is not stationary
    frames = psf.sample(rng.poisson(5.0, (8, 144, 144)).astype(np.float32), rng=rng)[:, 8:-8, 8:-8]
    for white in (True, False):
        fit = fit_correlation(noise_fields(frames), white=white)
        assert fit.sigma_row == pytest.approx(sigmas[0], rel=0.10)
        assert fit.sigma_column == pytest.approx(sigmas[1], rel=0.10)
        assert fit.shot_power == pytest.approx(5.0, rel=0.05)


def coincidence_movie(rng, frames=24, size=96):
    """Counting with coincidence loss: two electrons in a pixel within a frame count once."""
    lam = scene(size, size, mean=0.6, contrast=0.9)
    true = rng.poisson(lam, (frames, size, size))
    return np.minimum(true, 1) + (true >= 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_categorical_reproduces_its_histogram_and_samples_counts(seed):
    rng = np.random.default_rng(seed)
    movie = coincidence_movie(rng)
    fit = fit_categorical(movie)
    assert fit.total_kl < 1e-3
    assert np.all(fit.fano < 0.95)  # it saw the coincidence loss
    assert fit.total_kl < fit.total_poisson_kl / 5  # and describes it better than Poisson
    lam = leave_one_out_mean(movie.astype(float), smooth=1)
    samples = fit.model.sample(lam, rng=rng)
    assert np.all(samples >= 0)
    assert np.all(samples == np.round(samples))
    observed = np.bincount(movie.reshape(-1), minlength=4)[:4] / movie.size
    drawn = np.bincount(samples.astype(np.int64).reshape(-1), minlength=4)[:4] / samples.size
    assert kl_divergence(observed, drawn) < 1e-3


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


def saturated_uint16():
    x = np.random.default_rng(0).poisson(500, (10, 32, 32)).astype(np.uint16)
    x[:, :8] = 65535
    return x


def clipped_float():
    x = np.random.default_rng(0).normal(1000, 30, (10, 32, 32))
    return np.minimum(x, 1010.0)


def with_value(value):
    x = np.random.default_rng(0).poisson(1.0, (10, 32, 32)).astype(float)
    x[3, 4, 5] = value
    return x


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (np.random.default_rng(0).poisson(1, (3, 32, 32)), "too few frames: 3"),
        (np.zeros((10, 32, 32)), "all pixels are zero"),
        (np.full((10, 32, 32), 7.0), "all pixels have the same value 7"),
        (saturated_uint16(), "saturated: 25.0% of the pixels sit at the maximum 65535"),
        (clipped_float(), "saturated"),
        (with_value(np.nan), "1 pixels are NaN or infinite"),
        (with_value(np.inf), "1 pixels are NaN or infinite"),
        (np.arange(100.0), "got a 1-D array of shape"),
        (np.ones((2, 4, 32, 32)), "got a 4-D array"),
        (np.ones((10, 8, 32)), "too small"),
    ],
    ids=["few", "zeros", "constant", "saturated", "clipped", "nan", "inf", "1d", "4d", "small"],
)
def test_bad_input_gives_one_line(frames, message):
    with pytest.raises(InputError, match=message) as info:
        fit_categorical(frames)
    assert "\n" not in str(info.value)


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
