from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from temdenoise.errors import InputError
from temdenoise.train.data import read_clean
from tests.train.conftest import write_fake_dataset


def test_reads_the_split_scaled_to_vacuum_one(dataset: Path) -> None:
    train = read_clean(dataset, "train")
    test = read_clean(dataset, "test")
    assert train is not None
    assert test is not None
    assert tuple(train.images.shape) == (6, 32, 32)
    assert tuple(test.images.shape) == (2, 32, 32)
    stored = np.asarray(zarr.open_group(dataset, mode="r")["clean"][:6])
    np.testing.assert_allclose(train.images.numpy(), stored / 0.45, rtol=1e-6)
    assert train.pixel_size == 0.25
    assert train.fingerprint != test.fingerprint


def test_a_missing_split_is_none(tmp_path: Path) -> None:
    path = write_fake_dataset(tmp_path / "d.zarr", n_test=0)
    assert read_clean(path, "test") is None


def test_refuses_what_is_not_a_complete_dataset(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_clean(tmp_path / "nothing.zarr", "train")
    (tmp_path / "file.zarr").write_text("hello")
    with pytest.raises(InputError, match=r"file\.zarr"):
        read_clean(tmp_path / "file.zarr", "train")
    other = zarr.open_group(tmp_path / "other.zarr", mode="w")
    other.attrs["format"] = "something"
    with pytest.raises(InputError, match="not a dataset written by 'temdenoise simulate'"):
        read_clean(tmp_path / "other.zarr", "train")
    path = write_fake_dataset(tmp_path / "partial.zarr")
    zarr.open_group(path, mode="r+").attrs["complete"] = False
    with pytest.raises(InputError, match="incomplete"):
        read_clean(path, "train")
