import json
import shutil

import numpy as np
import pytest

from temdenoise.config import SimulateConfig
from temdenoise.errors import ConfigError, InputError

pytest.importorskip("abtem")
pytest.importorskip("zarr")

import zarr

from temdenoise.simulate.dataset import COLUMNS, read_parameters, write_dataset, written_images
from tests.simulate.conftest import TINY

pytestmark = pytest.mark.sim


def test_dataset_layout(dataset):
    path, summary, calls = dataset
    assert (summary.total, summary.simulated, summary.skipped) == (4, 4, 0)
    assert calls[0] == (0, 4)
    assert calls[-1] == (4, 4)
    root = zarr.open_group(path, mode="r")
    clean = root["clean"]
    assert clean.shape == (4, 48, 48)
    assert clean.dtype == np.float32
    assert clean.chunks == (1, 48, 48)
    images = clean[:]
    assert np.isfinite(images).all()
    assert images.min() >= 0
    attrs = root.attrs.asdict()
    assert attrs["pixel_size"] == 0.3
    assert attrs["dose"] == 0.45
    assert attrs["splits"] == {"train": [0, 3], "test": [3, 4]}
    assert attrs["kind"] == "images"
    assert attrs["axes"] == ["image", "row", "column"]
    assert attrs["complete"] is True
    assert attrs["config"]["seed"] == 7
    assert "abtem" in attrs["versions"]
    json.dumps(attrs)  # plain JSON
    table = read_parameters(path)
    assert set(table) == set(COLUMNS)
    assert list(table["split"]) == ["train", "train", "train", "test"]
    assert all(len(v) == 4 for v in table.values())
    particle = table["kind"] == "particle"
    assert (table["n_particle_atoms"][particle] > 0).all()
    assert (table["n_atoms"] >= table["n_particle_atoms"]).all()
    assert ((table["defocus"] >= -200) & (table["defocus"] <= 0)).all()


def test_rerun_finishes_only_what_is_missing_and_is_identical(dataset, tmp_path):
    path, _, _ = dataset
    copy = tmp_path / "copy.zarr"
    shutil.copytree(path, copy)
    before = zarr.open_group(copy, mode="r")["clean"][:]
    shutil.rmtree(copy / "clean" / "c" / "2")  # lose one image
    table = zarr.open_group(copy, mode="r+")["parameters"]
    table["n_atoms"][1] = -1  # and one derived value
    assert written_images(zarr.open_group(copy, mode="r")["clean"]) == {0, 1, 3}
    summary = write_dataset(copy, SimulateConfig.build(**(TINY | {"workers": 3})))
    assert (summary.simulated, summary.skipped) == (1, 3)
    after = zarr.open_group(copy, mode="r")["clean"][:]
    np.testing.assert_array_equal(before, after)
    assert read_parameters(copy)["n_atoms"][1] == read_parameters(path)["n_atoms"][1]


def test_a_different_config_or_a_foreign_path_is_refused(dataset, tmp_path):
    path, _, _ = dataset
    with pytest.raises(ConfigError, match=r"different config \(dose differ\)"):
        write_dataset(path, SimulateConfig.build(**(TINY | {"dose": 1.0})))
    foreign = tmp_path / "other.zarr"
    zarr.open_group(foreign, mode="w")
    with pytest.raises(InputError, match="not a temdenoise simulated dataset"):
        write_dataset(foreign, SimulateConfig.build(**TINY))


def test_movie_dataset_has_ground_truth_for_every_frame(tmp_path):
    config = SimulateConfig.build(
        **(TINY | {"movie_frames": 3, "movie_events": 6.0, "movie_drift": 1.0})
    )
    write_dataset(tmp_path / "movie.zarr", config)
    root = zarr.open_group(tmp_path / "movie.zarr", mode="r")
    frames = root["clean"][:]
    assert frames.shape == (3, 48, 48)
    assert root.attrs["kind"] == "movie"
    assert root.attrs["splits"] == {"movie": [0, 3]}
    table = read_parameters(tmp_path / "movie.zarr")
    assert (table["kind"] == "particle").all()
    assert (table["split"] == "movie").all()
    assert len(set(table["diameter"])) == 1  # one particle, evolving
    assert table["drift_row"][0] == 0
    assert np.hypot(table["drift_row"][2], table["drift_column"][2]) > 0
    assert len(set(table["defocus"])) == 3
    assert table["hops"][1:].sum() + table["appeared"][1:].sum() + table["vanished"][1:].sum() > 0
    assert not np.array_equal(frames[0], frames[2])
