from types import SimpleNamespace

import numpy as np

from temdenoise.figures.noise import noise_fit_figure

from .conftest import assert_not_blank


def _model(detector):
    return SimpleNamespace(detector=detector, describe=lambda: f"{detector} detector: Poisson")


def test_noise_fit_figure_of_a_fit_with_nothing_but_the_model(tmp_path):
    fit = SimpleNamespace(model=_model("counting"), categorical=None, flat=None, transfer=None,
                          correlation=None)  # fmt: skip
    path = noise_fit_figure(fit, tmp_path / "n.png", title="movie.npy")
    assert path == tmp_path / "n.png"
    assert path.stat().st_size > 10_000


def test_noise_fit_figure_of_a_photon_transfer_and_flat_fit(tmp_path):
    rng = np.random.default_rng(4)
    mean = np.linspace(1.0, 20.0, 8)
    transfer = SimpleNamespace(
        mean=mean, variance=2.0 * mean + 3.0, error=np.full(8, 0.5), slope=2.0, intercept=3.0,
        chi2_per_dof=1.1, gain=2.0, offset=10.0, read_noise=1.7,
        noise_samples=((5.0, rng.normal(0.0, 3.6, 2000)), (15.0, rng.normal(0.0, 5.8, 2000))),
    )  # fmt: skip
    values = np.arange(8.0)
    poisson = np.exp(-2.0) * 2.0**values / np.array([1, 1, 2, 6, 24, 120, 720, 5040.0])
    flat = SimpleNamespace(mean=2.0, values=values, observed=poisson * 1.02, poisson=poisson,
                           kl=1e-3, fano=1.02)  # fmt: skip
    frequency = np.fft.fftfreq(16)
    power = 1.0 + 0.1 * rng.random((16, 16))
    correlation = SimpleNamespace(
        sigma_row=0.4, sigma_column=0.5, shot_power=1.0, white_power=0.1, frequency=frequency,
        observed=power, modelled=np.ones((16, 16)), chi2_per_dof=1.2,
    )  # fmt: skip
    fit = SimpleNamespace(model=_model("integrating"), categorical=None, flat=flat,
                          transfer=transfer, correlation=correlation)  # fmt: skip
    assert_not_blank(noise_fit_figure(fit, tmp_path / "n.png"), floor=0.001)
