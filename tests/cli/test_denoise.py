"""`temdenoise denoise`: every bad input gets one line, exit code 2, and loses nothing."""

import hashlib
import re

import numpy as np
import pytest
import torch

from temdenoise.cli import main
from temdenoise.io import open_source


@pytest.fixture
def movie(tmp_path):
    path = tmp_path / "movie.npy"
    np.save(path, np.random.default_rng(0).poisson(0.45, size=(6, 32, 40)).astype(np.uint16))
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *args):
    code = main(["denoise", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_denoise_writes_the_output_and_reports_throughput(tmp_path, movie, model_file, capsys):
    code, out, _ = run(capsys, movie, "-o", tmp_path / "out.tif", "--model", model_file)
    assert code == 0
    assert "wrote" in out
    assert "frames/s" in out
    assert "MP/s" in out
    with open_source(tmp_path / "out.tif") as src:
        assert src.shape == (6, 32, 40)
    code, out, _ = run(capsys, movie, "-o", tmp_path / "out.tif", "--model", model_file)
    assert code == 0
    assert "already complete" in out


def test_a_fine_movie_equals_the_model_on_area_binned_frames_enlarged_back(
    tmp_path, model_file, capsys
):
    from temdenoise.infer import denoise
    from temdenoise.infer.resample import bin_frames, enlarge_frames
    from temdenoise.models.checkpoint import load_model

    frames = np.random.default_rng(4).poisson(0.45, size=(4, 100, 120)).astype(np.uint16)
    np.save(tmp_path / "fine.npy", frames)
    out = tmp_path / "out.tif"
    code, text, _ = run(
        capsys, tmp_path / "fine.npy", "-o", out, "--model", model_file, "--pixel-size", 0.2
    )
    assert code == 0
    dose = frames[0].mean()
    assert f"{dose:.3g} counts/px at 0.2 A/px ({dose / 0.04:.3g} e/A^2)" in text
    assert f"binned 5 x 5 to {dose * 25:.3g} counts/px at 1 A/px" in text
    expected = enlarge_frames(
        denoise(bin_frames(frames, (20, 24)), load_model(model_file)), (100, 120)
    )
    with open_source(out) as src:
        np.testing.assert_allclose(src.read(0, 4), expected, rtol=1e-5, atol=1e-5)


def test_a_movie_coarser_than_the_model_is_refused_in_one_line(tmp_path, movie, model_file, capsys):
    out = tmp_path / "out.tif"
    code, _, err = run(capsys, movie, "-o", out, "--model", model_file, "--pixel-size", 191)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "191 A/px is coarser than the model's trained range 1-1 A/px" in err
    assert not out.exists()


def test_frames_option_selects_a_range(tmp_path, movie, model_file, capsys):
    code, _, _ = run(
        capsys, movie, "-o", tmp_path / "o.zarr", "--model", model_file, "--frames", "2:5"
    )
    assert code == 0
    with open_source(tmp_path / "o.zarr") as src:
        assert src.shape == (3, 32, 40)


def corrupt(tmp_path):
    path = tmp_path / "corrupt.mrc"
    path.write_bytes(np.random.default_rng(1).bytes(3000))
    return path


def truncated(tmp_path):
    path = tmp_path / "truncated.npy"
    np.save(path, np.zeros((10, 64, 64), np.float32))
    path.write_bytes(path.read_bytes()[:5000])
    return path


def array_file(name, array):
    def make(tmp_path):
        path = tmp_path / name
        np.save(path, array)
        return path

    return make


def with_nan(tmp_path):
    frames = np.ones((4, 16, 16), np.float32)
    frames[2, 3, 4] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, frames)
    return path


def unsupported(tmp_path):
    path = tmp_path / "movie.avi"
    path.write_bytes(b"RIFF....AVI ")
    return path


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda tmp_path: tmp_path / "missing.dm4", r"missing\.dm4: file not found"),
        (unsupported, r"movie\.avi: unsupported format '\.avi'"),
        (corrupt, r"corrupt\.mrc: not a readable MRC file"),
        (truncated, r"truncated\.npy: truncated: the header promises more data"),
        (array_file("line.npy", np.zeros(100)), r"line\.npy: expected a 2-D image or a 3-D stack"),
        (array_file("empty.npy", np.zeros((0, 8, 8))), r"empty\.npy: the movie is empty"),
        (with_nan, r"nan\.npy: frame 2 contains NaN or infinite values"),
    ],
)
def test_bad_inputs(tmp_path, model_file, capsys, make_input, message):
    source = make_input(tmp_path)
    before = digest(source) if source.exists() else None
    out = tmp_path / "out.zarr"
    code, _, err = run(capsys, source, "-o", out, "--model", model_file)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("temdenoise:")]
    assert len(lines) == 1
    assert lines[0].startswith("temdenoise: error: ")
    assert re.search(message, lines[0])
    assert "Traceback" not in err
    assert not out.exists()
    if before is not None:
        assert digest(source) == before


def test_a_model_file_that_is_not_one(tmp_path, movie, capsys):
    fake = tmp_path / "fake.safetensors"
    fake.write_bytes(b"\x80\x04hello pickle")
    code, _, err = run(capsys, movie, "-o", tmp_path / "o.zarr", "--model", fake)
    assert code == 2
    assert "refusing to unpickle" in err
    code, _, err = run(capsys, movie, "-o", tmp_path / "o.zarr", "--model", "no-such-model")
    assert code == 2
    assert "no-such-model: no model of that name is shipped" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frames", "4:99"], r"frames 4:99 are outside the movie's 6 frames"),
        (["--batch-size", "0"], r"invalid batch_size: Input should be greater than or equal to 1"),
        (["--pixel-size", "-1"], r"invalid pixel_size: Input should be greater than 0"),
    ],
)
def test_bad_options(tmp_path, movie, model_file, capsys, args, message):
    code, _, err = run(capsys, movie, "-o", tmp_path / "o.zarr", "--model", model_file, *args)
    assert code == 2
    assert re.search(message, err)


def test_the_input_is_never_the_output(tmp_path, model_file, capsys):
    path = tmp_path / "movie.tif"
    import tifffile

    tifffile.imwrite(path, np.ones((2, 16, 16), np.uint16))
    before = digest(path)
    code, _, err = run(capsys, path, "-o", path, "--model", model_file, "--overwrite")
    assert code == 2
    assert "the output would replace the input" in err
    assert digest(path) == before


def test_unsupported_output_format_and_missing_folder(tmp_path, movie, model_file, capsys):
    code, _, err = run(capsys, movie, "-o", tmp_path / "o.png", "--model", model_file)
    assert code == 2
    assert "unsupported output format '.png'" in err
    code, _, err = run(capsys, movie, "-o", tmp_path / "no" / "o.zarr", "--model", model_file)
    assert code == 2
    assert "does not exist" in err


def test_frames_syntax_error_is_a_usage_error(tmp_path, movie, capsys):
    with pytest.raises(SystemExit) as info:
        main(["denoise", str(movie), "-o", str(tmp_path / "o.zarr"), "--frames", "7"])
    assert info.value.code == 2
    assert "expected A:B" in capsys.readouterr().err


def test_verbose_shows_our_debug_lines_and_quiet_hides_our_info(
    tmp_path, movie, model_file, caplog
):
    import logging

    main(["-v", "denoise", str(movie), "-o", str(tmp_path / "a.zarr"), "--model", str(model_file)])
    ours = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert ours
    assert all(r.name.startswith("temdenoise") for r in ours)
    caplog.clear()
    main(["-q", "denoise", str(movie), "-o", str(tmp_path / "b.zarr"), "--model", str(model_file)])
    assert not [r for r in caplog.records if r.levelno < logging.WARNING]


def test_a_bad_argument_is_one_line(tmp_path, movie, capsys):
    with pytest.raises(SystemExit) as info:
        main(["denoise", str(movie), "-o", str(tmp_path / "o.tif"), "--pixel-size", "abc"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "invalid float value: 'abc' (see temdenoise denoise --help)" in err


@pytest.mark.parametrize("name", ["mps", "cuda:7", "nonsense"])
def test_an_unavailable_device_is_one_line(tmp_path, movie, model_file, capsys, name):
    if name.startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has that GPU")
    code, _, err = run(
        capsys, movie, "-o", tmp_path / "o.tif", "--model", model_file, "--device", name
    )
    assert code == 2
    assert f"--device {name}:" in err
    assert err.strip().count("\n") == 0


def test_camera_units_are_refused_until_converted_to_counts(tmp_path, model_file, capsys):
    from temdenoise.infer import denoise
    from temdenoise.models.checkpoint import load_model

    counts = np.random.default_rng(5).poisson(2.0, size=(3, 32, 40))
    adu = (counts * 8 - 100).astype(np.int16)  # gain 8, offset -100: negative values
    np.save(tmp_path / "adu.npy", adu)
    out = tmp_path / "o.zarr"
    code, _, err = run(capsys, tmp_path / "adu.npy", "-o", out, "--model", model_file)
    assert code == 2
    assert "not counts: negative values" in err
    assert "--counts-per-electron" in err
    assert not out.exists()
    np.save(tmp_path / "gained.npy", (counts * 8).astype(np.int16))
    code, text, _ = run(
        capsys, tmp_path / "gained.npy", "-o", out, "--model", model_file,
        "--counts-per-electron", 8,
    )  # fmt: skip
    assert code == 0
    assert f"dose (frame 1): {counts[0].mean():.3g} counts/px" in text
    with open_source(out) as src:
        expected = denoise(counts.astype(np.float32), load_model(model_file))
        np.testing.assert_allclose(src.read(0, 3), expected, rtol=1e-5, atol=1e-5)
    code, _, _ = run(
        capsys, tmp_path / "adu.npy", "-o", tmp_path / "anyway.zarr", "--model", model_file,
        "--skip-count-check",
    )  # fmt: skip
    assert code == 0
