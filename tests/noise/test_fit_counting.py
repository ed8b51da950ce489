import numpy as np
import pytest

from temdenoise.noise.fit_counting import fit_categorical, leave_one_out_mean
from temdenoise.noise.goodness import kl_divergence

from .conftest import SEEDS, scene


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
