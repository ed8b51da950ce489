"""`temdenoise.denoise`: lazy movies and pixel sizes give what the command line gives."""

import numpy as np
import pytest
import zarr

import temdenoise
from temdenoise.infer.apply import denoise as denoise_in_memory
from temdenoise.infer.resample import SamplingError, bin_frames, enlarge_frames
from temdenoise.io import open_source
from temdenoise.models import BFDnCNN
from temdenoise.models.checkpoint import load_model


@pytest.fixture
def frames():
    return np.random.default_rng(1).poisson(0.45, size=(5, 100, 120)).astype(np.uint16)


def test_a_zarr_movie_is_streamed_into_a_zarr_output(tmp_path, model_file, frames):
    model = load_model(model_file)
    source = zarr.create_array(tmp_path / "in.zarr", shape=frames.shape, chunks=(1, 100, 120),
                               dtype=frames.dtype)  # fmt: skip
    source[:] = frames
    out = zarr.create_array(tmp_path / "out.zarr", shape=frames.shape, chunks=(1, 100, 120),
                            dtype="float32")  # fmt: skip
    seen = []
    result = temdenoise.denoise(
        source, model, out=out, block_frames=2, progress=lambda d, t: seen.append((d, t))
    )
    assert result is out
    assert seen[-1] == (5, 5)
    expected = denoise_in_memory(frames.astype(np.float32), model)
    np.testing.assert_allclose(out[:], expected, rtol=1e-5, atol=1e-6)


def test_a_dask_movie_at_a_fine_pixel_size_is_binned_by_area_and_enlarged_back(model_file, frames):
    import dask.array as da

    lazy = da.from_array(frames, chunks=(1, 100, 120))
    result = temdenoise.denoise(lazy, str(model_file), pixel_size=0.2, block_frames=3)
    assert isinstance(result, np.ndarray)
    assert result.shape == frames.shape
    expected = enlarge_frames(
        denoise_in_memory(bin_frames(frames, (20, 24)), load_model(model_file)), (100, 120)
    )
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)
    assert abs(result.sum() / frames.sum() - 1) < 1e-4  # counts conserved


def test_an_in_memory_frame_at_a_fine_pixel_size_stays_2d(model_file, frames):
    result = temdenoise.denoise(frames[0], load_model(model_file), pixel_size=0.2)
    assert result.shape == (100, 120)
    whole = temdenoise.denoise(frames, load_model(model_file), pixel_size=0.2)
    np.testing.assert_allclose(result, whole[0], rtol=1e-5, atol=1e-6)


def test_a_frame_source_brings_its_own_pixel_size(tmp_path, model_file, frames):
    import tifffile

    path = tmp_path / "movie.tif"
    tifffile.imwrite(path, frames, imagej=True, resolution=(50.0, 50.0),
                     metadata={"unit": "nm"})  # fmt: skip  # 0.02 nm = 0.2 A per pixel
    with open_source(path) as source:
        assert source.metadata.pixel_size == pytest.approx(0.2)
        result = temdenoise.denoise(source, model_file)
    expected = temdenoise.denoise(frames, model_file, pixel_size=0.2)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(result, temdenoise.denoise(frames, model_file), atol=1e-3)


def test_frames_coarser_than_the_model_are_refused(model_file, frames):
    with pytest.raises(SamplingError, match="coarser than the model's trained range"):
        temdenoise.denoise(frames, model_file, pixel_size=191.0)
    result = temdenoise.denoise(frames, model_file, pixel_size=191.0, resample=False)
    assert result.shape == frames.shape


def test_a_bare_network_cannot_be_told_a_pixel_size(frames):
    with pytest.raises(ValueError, match="knows its pixel size"):
        temdenoise.denoise(frames, BFDnCNN(depth=3, width=4), pixel_size=0.2)


def test_an_output_of_the_wrong_shape_is_refused(model_file, frames):
    with pytest.raises(ValueError, match="out has shape"):
        temdenoise.denoise(frames, model_file, out=np.empty((5, 10, 10), np.float32))


def test_auto_precision_runs_a_model_measured_cheap_in_bf16_where_native(
    model_file, frames, monkeypatch
):
    from temdenoise.infer import device as device_module
    from temdenoise.models.checkpoint import update_header

    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: True)
    fp32 = temdenoise.denoise(frames, str(model_file))
    np.testing.assert_array_equal(
        fp32, temdenoise.denoise(frames, str(model_file), precision="fp32")
    )
    update_header(model_file, bf16_cost_db=0.01)
    auto = temdenoise.denoise(frames, str(model_file))
    np.testing.assert_array_equal(
        auto, temdenoise.denoise(frames, str(model_file), precision="bf16")
    )
    assert not np.array_equal(auto, fp32)
