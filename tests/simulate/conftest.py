"""A tiny simulation config and the dataset it writes, shared by the dataset tests."""

from __future__ import annotations

import pytest

from temdenoise.config import SimulateConfig
from temdenoise.simulate.dataset import write_dataset

TINY = {
    "n_train": 3,
    "n_test": 1,
    "size": 48,
    "pixel_size": 0.3,
    "margin": 4.0,
    "diameter_range": (15.0, 20.0),
    "focal_spread_samples": 0,
    "seed": 7,
}


@pytest.fixture(scope="package")
def dataset(tmp_path_factory):
    pytest.importorskip("abtem")
    pytest.importorskip("zarr")
    path = tmp_path_factory.mktemp("sim") / "tiny.zarr"
    calls = []
    summary = write_dataset(
        path, SimulateConfig.build(**TINY), progress=lambda d, t: calls.append((d, t))
    )
    return path, summary, calls
