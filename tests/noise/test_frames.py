import numpy as np
import pytest

from temdenoise.errors import InputError
from temdenoise.noise.fit_counting import fit_categorical


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
