import numpy as np
import pytest

from temdenoise.noise import DetectorPSF
from temdenoise.noise.spectrum import fit_correlation, noise_fields


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
