import math

import pytest

from temdenoise.simulate.transfer import (
    detector_mtf,
    focal_spread_average,
    information_limit,
    transferred_spacing,
    wavelength,
)


def test_wavelength_at_300_kv():
    assert wavelength(300e3) == pytest.approx(0.019687, rel=1e-4)


def test_information_limit_is_where_the_envelope_reaches_exp_minus_2():
    d = information_limit(energy=300e3, focal_spread=30.0)
    k = 1 / d
    envelope = math.exp(-((0.5 * math.pi * wavelength(300e3) * 30.0 * k**2) ** 2))
    assert envelope == pytest.approx(math.exp(-2))
    assert information_limit(energy=300e3, focal_spread=60.0) > d
    assert transferred_spacing(energy=300e3, focal_spread=0.0, sampling=0.1) == pytest.approx(0.3)


def test_focal_spread_samples_are_a_normalized_gaussian():
    offsets, weights = focal_spread_average(40.0, 7)
    assert weights.sum() == pytest.approx(1)
    sd = 40.0 / math.sqrt(2)
    assert offsets[-1] == pytest.approx(2.5 * sd)
    assert offsets[3] == 0
    assert focal_spread_average(40.0, 1)[0].tolist() == [0.0]


def test_detector_mtf_is_one_at_zero_frequency_and_falls():
    mtf = detector_mtf((32, 32), floor=0.1, half_frequency=0.5)
    assert mtf[0, 0] == 1
    assert mtf[0, 16] < mtf[0, 8] < mtf[0, 1] < 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"pixel_size": 0.6}, "pixel_size 0.6 A is coarser than half the information limit"),
        ({"pixel_size": 0.3, "focal_spread_range": (0.0, 10.0)}, "coarser than half"),
    ],
)
def test_a_pixel_size_that_would_alias_is_refused_before_anything_is_written(
    tmp_path, values, message
):
    from temdenoise.config import SimulateConfig
    from temdenoise.errors import ConfigError
    from temdenoise.simulate.dataset import write_dataset
    from temdenoise.simulate.transfer import check_sampling

    config = SimulateConfig.build(**values)
    with pytest.raises(ConfigError, match=message) as info:
        check_sampling(config)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=message):
        write_dataset(tmp_path / "d.zarr", config)
    assert not (tmp_path / "d.zarr").exists()
    check_sampling(SimulateConfig.build())  # the default samples what it transfers
