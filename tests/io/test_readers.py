"""Every reader on small files made here, and on real instrument files where packages ship them."""

import hashlib

import h5py
import mrcfile
import numpy as np
import pytest
import tifffile
import zarr

from temdenoise.errors import InputError
from temdenoise.io import open_source

MOVIE = np.random.default_rng(0).poisson(0.45, size=(5, 24, 32)).astype(np.uint16)


def read_all(path, **kwargs):
    with open_source(path, **kwargs) as src:
        return src.read(0, src.shape[0]), src.metadata, src.shape


def test_npy_is_memory_mapped_and_lazy(tmp_path):
    np.save(tmp_path / "m.npy", MOVIE)
    with open_source(tmp_path / "m.npy") as src:
        assert src.shape == (5, 24, 32)
        np.testing.assert_array_equal(src.read(2, 4), MOVIE[2:4])
        np.testing.assert_array_equal(src.read(4, 9), MOVIE[4:])


def test_single_image_is_a_one_frame_movie(tmp_path):
    np.save(tmp_path / "i.npy", MOVIE[0])
    data, _, shape = read_all(tmp_path / "i.npy")
    assert shape == (1, 24, 32)
    np.testing.assert_array_equal(data[0], MOVIE[0])


def test_mrc_stack_with_pixel_size(tmp_path):
    path = tmp_path / "m.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(MOVIE.astype(np.int16))
        mrc.voxel_size = 0.85
    data, meta, _ = read_all(path)
    np.testing.assert_array_equal(data, MOVIE)
    assert meta.pixel_size == pytest.approx(0.85)
    assert meta.format == "mrc"


def test_serialem_mdoc_gives_pixel_size_exposure_and_dose(tmp_path):
    path = tmp_path / "s.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(MOVIE.astype(np.int16))
    (tmp_path / "s.mrc.mdoc").write_text(
        "PixelSpacing = 1.5\nImageFile = s.mrc\n\n[ZValue = 0]\nExposureTime = 0.025\n"
        "ExposureDose = 0.2\n"
    )
    _, meta, _ = read_all(path)
    assert meta.pixel_size == 1.5
    assert meta.exposure == 0.025
    assert meta.dose == pytest.approx(0.2 * 1.5**2)


@pytest.mark.parametrize("bigtiff", [False, True])
@pytest.mark.parametrize("compression", [None, "zlib"])
def test_multipage_tiff(tmp_path, bigtiff, compression):
    path = tmp_path / "m.tif"
    tifffile.imwrite(path, MOVIE, bigtiff=bigtiff, compression=compression)
    data, _, shape = read_all(path)
    assert shape == MOVIE.shape
    np.testing.assert_array_equal(data, MOVIE)
    with open_source(path) as src:
        np.testing.assert_array_equal(src.read(3, 5), MOVIE[3:5])


def test_imagej_tiff_pixel_size(tmp_path):
    path = tmp_path / "ij.tif"
    tifffile.imwrite(
        path, MOVIE, imagej=True, resolution=(1 / 0.012, 1 / 0.012), metadata={"unit": "nm"}
    )
    _, meta, _ = read_all(path)
    assert meta.pixel_size == pytest.approx(0.12)


def test_folder_of_tiffs_in_natural_order(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(MOVIE):
        tifffile.imwrite(folder / f"frame_{i * 5}.tif", frame)  # 0, 5, 10, 15, 20
    data, _, shape = read_all(folder)
    assert shape == MOVIE.shape
    np.testing.assert_array_equal(data, MOVIE)


def test_folder_with_a_frame_of_another_shape(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    tifffile.imwrite(folder / "a.tif", MOVIE[0])
    tifffile.imwrite(folder / "b.tif", MOVIE[0, :10])
    with open_source(folder) as src, pytest.raises(InputError, match=r"b\.tif: frame of shape"):
        src.read(0, 2)


def test_hdf5_named_and_only_dataset(tmp_path):
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as h5:
        h5["entry/data"] = MOVIE
        h5["entry/meta"] = np.arange(3)
    data, _, _ = read_all(path)
    np.testing.assert_array_equal(data, MOVIE)
    with h5py.File(path, "a") as h5:
        h5["other"] = MOVIE[:2]
    with pytest.raises(InputError, match=r"several datasets.*--dataset"):
        open_source(path)
    data, _, _ = read_all(path, dataset="other")
    np.testing.assert_array_equal(data, MOVIE[:2])
    with pytest.raises(InputError, match="no dataset named 'nope'"):
        open_source(path, dataset="nope")


def test_zarr_array_and_group(tmp_path):
    zarr.save_array(str(tmp_path / "a.zarr"), MOVIE)
    np.testing.assert_array_equal(read_all(tmp_path / "a.zarr")[0], MOVIE)
    group = zarr.open_group(str(tmp_path / "g.zarr"), mode="w")
    group.create_array("frames", data=MOVIE)
    np.testing.assert_array_equal(read_all(tmp_path / "g.zarr")[0], MOVIE)


# Real instrument files ---------------------------------------------------------------


def test_real_fei_mrc_tilt_series(etspy_data):
    data, meta, shape = read_all(etspy_data / "HAADF.mrc")
    assert shape == (77, 256, 256)
    assert meta.pixel_size == pytest.approx(33.6, rel=1e-4)  # 3.36 nm in the FEI extended header
    assert meta.original["fei_agard_extended_header"]["tilt_angles"][:2] == [-76.0, -74.0]
    assert data.std() > 0


def test_real_serialem_multiframe_mrc(etspy_data):
    _, meta, shape = read_all(etspy_data / "SerialEM_Multiframe_Test" / "test_000.mrc")
    assert shape == (2, 1024, 1024)
    assert meta.pixel_size == pytest.approx(7.88)
    assert meta.original["mdoc"]["PixelSpacing"] == pytest.approx(7.88)
    assert meta.counts_per_electron == pytest.approx(1.65)  # the camera's gain, from the mdoc


def test_real_dm3_stack(etspy_data):
    _, meta, shape = read_all(etspy_data / "HAADF.dm3")
    assert shape == (91, 64, 64)
    assert meta.pixel_size == pytest.approx(179.95, rel=1e-3)
    assert meta.format == "dm"


def test_real_dm3_image_and_velox_emd(temul_data):
    _, meta, shape = read_all(temul_data / "example_Se_implanted_MoS2.dm3")
    assert shape == (1, 1024, 1024)
    assert meta.pixel_size == pytest.approx(0.127, rel=1e-2)
    data, meta, shape = read_all(temul_data / "example_Au_nanoparticle.emd")
    assert shape == (1, 2048, 2048)
    assert meta.pixel_size == pytest.approx(0.0750, rel=1e-3)  # 0.0075 nm
    assert data.std() > 0


def test_real_hyperspy_hdf5_camera_image(holospy_data):
    _, meta, shape = read_all(holospy_data / "00_ref_Vbp_130V_0V_bin2_crop.hdf5")
    assert shape == (1, 512, 512)
    assert meta.instrument == "FEI Titan G2 60-300 HOLO at ER-C"
    assert meta.pixel_size is not None


def test_reading_never_changes_the_input(etspy_data):
    path = etspy_data / "HAADF.mrc"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    read_all(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# Bad input ----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.dm4: file not found"):
        open_source(tmp_path / "nope.dm4")


def test_unsupported_extension(tmp_path):
    (tmp_path / "movie.avi").write_bytes(b"RIFF")
    with pytest.raises(InputError, match=r"unsupported format '\.avi'"):
        open_source(tmp_path / "movie.avi")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x.mrc", "not a readable MRC file"),
        ("x.tif", "not a readable TIFF file"),
        ("x.h5", "not a readable HDF5 file"),
        ("x.npy", r"not a readable \.npy array"),
        ("x.dm4", "not a readable DM file"),
        ("x.emd", "not a readable EMD file"),
        ("x.ser", "not a readable SER file"),
    ],
)
def test_corrupt_files(tmp_path, name, message):
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(InputError, match=message) as info:
        open_source(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_truncated_npy_and_mrc(tmp_path):
    np.save(tmp_path / "m.npy", MOVIE)
    data = (tmp_path / "m.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated: the header promises more data"):
        open_source(tmp_path / "t.npy")
    with mrcfile.new(tmp_path / "m.mrc") as mrc:
        mrc.set_data(MOVIE.astype(np.int16))
    data = (tmp_path / "m.mrc").read_bytes()
    (tmp_path / "t.mrc").write_bytes(data[:-100])
    with pytest.raises(InputError, match="truncated: the header promises more data"):
        open_source(tmp_path / "t.mrc")


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros(10), "expected a 2-D image or a 3-D stack"),
        (np.zeros((2, 3, 4, 5)), "expected a 2-D image or a 3-D stack"),
        (np.zeros((0, 4, 4)), "the movie is empty"),
        (np.zeros((3, 3), dtype=complex), "pixels must be real numbers"),
    ],
)
def test_arrays_that_are_not_movies(tmp_path, array, message):
    np.save(tmp_path / "a.npy", array)
    with pytest.raises(InputError, match=message):
        open_source(tmp_path / "a.npy")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"imagej": True}, "truncated TIFF: its header promises 24 frames, the file holds 1"),
        ({"compression": "zlib"}, "truncated TIFF: its header promises 24 frames"),
        ({}, "truncated TIFF"),
    ],
)
def test_a_tiff_stack_cut_short_is_refused_not_shortened(tmp_path, kwargs, message):
    stack = np.random.default_rng(2).poisson(0.45, size=(24, 64, 64)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "whole.tif", stack, **kwargs)
    data = (tmp_path / "whole.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(InputError, match=message) as info:
        open_source(tmp_path / "cut.tif")
    assert "\n" not in str(info.value)
    with open_source(tmp_path / "whole.tif") as whole:
        assert whole.shape == (24, 64, 64)


def test_an_mrc_with_a_negative_dimension_is_one_line(tmp_path):
    with mrcfile.new(tmp_path / "m.mrc") as mrc:
        mrc.set_data(MOVIE.astype(np.int16))
    data = bytearray((tmp_path / "m.mrc").read_bytes())
    data[0:4] = np.int32(-5).tobytes()  # nx
    (tmp_path / "neg.mrc").write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"neg\.mrc") as info:
        open_source(tmp_path / "neg.mrc")
    assert "\n" not in str(info.value)


def test_an_rgb_tiff_is_refused_in_one_line(tmp_path):
    rgb = np.random.default_rng(3).integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb")
    with pytest.raises(InputError, match="colour \\(RGB\\) TIFF with 3 samples per pixel") as info:
        open_source(tmp_path / "rgb.tif")
    assert "\n" not in str(info.value)


def test_real_gatan_series_folder_is_one_movie(etspy_data):
    folder = etspy_data / "DM_Series_Test"
    with open_source(folder) as movie:
        assert movie.shape == (3, 128, 128)
        assert movie.metadata.format == "dm-folder"
        assert movie.metadata.pixel_size == pytest.approx(191.087, rel=1e-4)
        frames = movie.read(0, 3)
    for i, name in enumerate(["BF_001.dm3", "BF_002.dm3", "BF_003.dm3"]):
        with open_source(folder / name) as single:
            np.testing.assert_array_equal(frames[i], single.read(0, 1)[0])


def test_an_in_situ_folder_tree_is_read_in_time_order(tmp_path):
    root = tmp_path / "insitu"
    expected = []
    for second in (2, 10):  # Second_10 comes after Second_2, not before
        for frame in range(2):
            folder = root / "Hour_00" / "Minute_00" / f"Second_{second}"
            folder.mkdir(parents=True, exist_ok=True)
            image = np.full((8, 8), second * 10 + frame, dtype=np.uint16)
            tifffile.imwrite(folder / f"Hour_00_Minute_00_Second_{second}_Frame_{frame}.tif", image)
            expected.append(second * 10 + frame)
    with open_source(root) as movie:
        assert movie.shape == (4, 8, 8)
        assert list(movie.read(0, 4)[:, 0, 0]) == expected
