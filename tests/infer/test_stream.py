"""Streaming a movie: same result as in memory, bounded read-ahead, exact resume."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from temdenoise.config import DenoiseConfig
from temdenoise.errors import InputError, OutputError
from temdenoise.infer import denoise
from temdenoise.infer.job import run_denoise
from temdenoise.infer.resample import bin_frames, enlarge_frames
from temdenoise.infer.stream import QUEUE_BLOCKS, denoise_movie, plan_blocks
from temdenoise.io import Staging, open_source, output_format
from temdenoise.io.writers import read_attrs
from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.models.checkpoint import load_model, save_model
from tests.conftest import randomize


@pytest.fixture(scope="module")
def unet():
    torch.manual_seed(0)
    return randomize(BFUNet(scales=3, width=4))


@pytest.fixture
def movie(tmp_path):
    frames = np.random.default_rng(0).poisson(0.45, size=(11, 40, 56)).astype(np.uint16)
    np.save(tmp_path / "movie.npy", frames)
    return tmp_path / "movie.npy", frames


@pytest.fixture
def model_file(tmp_path, unet):
    path = tmp_path / "model.safetensors"
    save_model(path, unet, pixel_size=0.5, dose_range=(0.1, 10.0))
    return path


class ListSink:
    def __init__(self, shape, fail_after=None):
        self.out = np.full(shape, np.nan, dtype=np.float32)
        self.blocks = set()
        self.fail_after = fail_after

    def done(self):
        return set(self.blocks)

    def write(self, block, start, frames):
        if self.fail_after is not None and len(self.blocks) >= self.fail_after:
            raise OSError(28, "No space left on device")
        self.out[start : start + len(frames)] = frames
        self.blocks.add(block)

    def finish(self):
        pass


def test_plan_blocks():
    assert [(b.start, b.stop) for b in plan_blocks(10, 4)] == [(0, 4), (4, 8), (8, 10)]
    with pytest.raises(ValueError, match="block_frames must be >= 1"):
        plan_blocks(3, 0)


@pytest.mark.parametrize("block_frames", [1, 4, 11])
def test_stream_equals_in_memory(movie, unet, block_frames):
    path, frames = movie
    sink = ListSink(frames.shape)
    with open_source(path) as src:
        stats = denoise_movie(src, sink, unet, block_frames=block_frames, tile=24)
    assert stats.computed_frames == 11
    expected = denoise(frames, unet, tile=24)
    np.testing.assert_allclose(sink.out, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_multi_frame_windows_cross_block_borders_and_reflect_only_at_movie_ends(movie):
    path, frames = movie
    torch.manual_seed(1)
    net = randomize(BFDnCNN(depth=3, width=4, in_frames=5))
    with open_source(path) as src:
        sink = ListSink((6, 40, 56))
        denoise_movie(src, sink, net, frames=(3, 9), block_frames=2)
        whole = ListSink(frames.shape)
        denoise_movie(src, whole, net, block_frames=3)
    expected = denoise(frames, net)
    np.testing.assert_allclose(whole.out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sink.out, expected[3:9], rtol=1e-5, atol=1e-6)


def test_read_ahead_is_bounded(movie, unet):
    path, frames = movie

    class CountingSource:
        def __init__(self, src):
            self.src = src
            self.path, self.shape, self.dtype, self.metadata = (
                src.path,
                src.shape,
                src.dtype,
                src.metadata,
            )
            self.reads = 0

        def read(self, start, stop):
            self.reads += 1
            return self.src.read(start, stop)

    ahead = []

    class SlowSink(ListSink):
        def write(self, block, start, frames):
            ahead.append(source.reads - len(self.blocks))
            time.sleep(0.02)
            super().write(block, start, frames)

    with open_source(path) as src:
        source = CountingSource(src)
        denoise_movie(source, SlowSink(frames.shape), unet, block_frames=1)
    # read but not yet written: queued for compute, in compute, queued for writing, in writing
    assert max(ahead) <= 2 * QUEUE_BLOCKS + 2


@pytest.mark.parametrize("in_frames", [1, 5])
def test_a_failed_write_keeps_finished_blocks_and_resume_is_exact(movie, unet, in_frames):
    path, frames = movie
    net = unet if in_frames == 1 else randomize(BFUNet(scales=3, width=4, in_frames=in_frames))
    with open_source(path) as src:
        reference = ListSink(frames.shape)
        denoise_movie(src, reference, net, block_frames=3)
        sink = ListSink(frames.shape, fail_after=2)
        with pytest.raises(OSError, match="No space left"):
            denoise_movie(src, sink, net, block_frames=3)
        assert sink.blocks == {0, 1}
        sink.fail_after = None
        seen = []
        stats = denoise_movie(src, sink, net, block_frames=3, progress=lambda d, t: seen.append(d))
    assert stats.computed_frames == 5
    assert seen[0] == 6
    np.testing.assert_array_equal(sink.out, reference.out)
    expected = denoise(frames, net)  # the windows of the whole movie, in memory
    np.testing.assert_allclose(sink.out, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def config(movie_path, output, model_file, **kwargs):
    return DenoiseConfig(input=movie_path, output=output, model=str(model_file), **kwargs)


@pytest.mark.parametrize("ext", [".zarr", ".tif", ".h5", ".mrc"])
def test_each_output_format_round_trips_with_metadata(tmp_path, movie, model_file, ext):
    path, frames = movie
    out = tmp_path / f"out{ext}"
    report = run_denoise(config(path, out, model_file, pixel_size=0.5, block_frames=4))
    assert report.stats.computed_frames == 11
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["movie.npy", "model.safetensors", out.name]
    )
    with open_source(out) as src:
        data = src.read(0, 11)
        assert src.metadata.pixel_size == 0.5
    attrs = read_attrs(out, output_format(out))
    assert attrs["provenance"]["model"]["arch"] == "unet"
    assert attrs["provenance"]["parameters"]["frames"] == [0, 11]
    assert attrs["metadata"]["format"] == "npy"
    expected = denoise(frames, load_model(model_file), tile=None)
    np.testing.assert_allclose(data, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    again = run_denoise(config(path, out, model_file, pixel_size=0.5, block_frames=4))
    assert again.already_complete


def test_existing_outputs_of_other_jobs_are_refused_without_overwrite(tmp_path, movie, model_file):
    path, _ = movie
    out = tmp_path / "out.zarr"
    run_denoise(config(path, out, model_file))
    with pytest.raises(InputError, match="exists and was made from another input, model or param"):
        run_denoise(config(path, out, model_file, frames=(0, 5)))
    report = run_denoise(config(path, out, model_file, frames=(0, 5), overwrite=True))
    assert report.shape[0] == 5
    foreign = tmp_path / "foreign.tif"
    foreign.write_bytes(b"not ours")
    with pytest.raises(InputError, match="exists and is not a temdenoise output"):
        run_denoise(config(path, foreign, model_file))
    assert foreign.read_bytes() == b"not ours"


def test_coarser_data_are_refused_in_one_line_and_no_resample_keeps_their_grid(
    tmp_path, movie, model_file
):
    path, frames = movie
    out = tmp_path / "out.zarr"
    with pytest.raises(InputError, match=r"coarser than the model's trained range.*--no-resample"):
        run_denoise(config(path, out, model_file, pixel_size=33.0))
    assert not out.exists()
    report = run_denoise(config(path, out, model_file, pixel_size=33.0, resample=False))
    assert report.factor is None
    with open_source(out) as src:
        assert src.metadata.pixel_size == 33.0
        np.testing.assert_allclose(src.read(0, 11), denoise(frames, load_model(model_file)))


def test_finer_data_are_binned_by_area_and_enlarged_back(tmp_path, model_file, caplog):
    caplog.set_level("INFO")
    frames = np.random.default_rng(1).poisson(0.45, size=(5, 80, 95)).astype(np.uint16)
    np.save(tmp_path / "fine.npy", frames)
    out = tmp_path / "out.zarr"
    report = run_denoise(config(tmp_path / "fine.npy", out, model_file, pixel_size=0.1))
    assert report.factor == pytest.approx(0.2)
    assert report.grid_pixel_size == pytest.approx(0.5)
    assert report.grid_dose == pytest.approx(frames[0].mean() * 25)
    assert "binned by 5 x 5" in caplog.text
    on_grid = bin_frames(frames, (16, 19))
    expected = enlarge_frames(denoise(on_grid, load_model(model_file)), (80, 95))
    with open_source(out) as src:
        assert src.metadata.pixel_size == 0.1
        np.testing.assert_allclose(src.read(0, 5), expected, rtol=1e-5, atol=1e-5)


def fill_disk_at_block(monkeypatch, failing):
    """Make Staging.write fail as a full disk does at block ``failing``; return the original."""
    original = Staging.write

    def write(self, block, start, frames):
        if block == failing:
            raise OutputError(f"{self.path}: cannot write frames (No space left on device)")
        original(self, block, start, frames)

    monkeypatch.setattr(Staging, "write", write)
    return original


def test_full_disk_gives_one_line_and_keeps_finished_blocks(
    tmp_path, movie, model_file, monkeypatch
):
    path, _ = movie
    out = tmp_path / "out.h5"
    original = fill_disk_at_block(monkeypatch, 2)
    with pytest.raises(OutputError, match="No space left on device"):
        run_denoise(config(path, out, model_file, block_frames=2))
    assert not out.exists()
    partial = tmp_path / "out.h5.partial" / ".temdenoise-progress"
    assert sorted(os.listdir(partial)) == ["0", "1"]
    monkeypatch.setattr(Staging, "write", original)
    report = run_denoise(config(path, out, model_file, block_frames=2))
    assert report.stats.computed_frames == 7


def test_a_resumed_run_keeps_its_tile_whatever_memory_is_free_now(
    tmp_path, movie, model_file, monkeypatch
):
    import temdenoise.infer.job as job

    path, _ = movie
    budgets = iter([64 << 20, 1 << 20])  # the first run had room for whole frames
    monkeypatch.setattr(job, "default_memory_budget", lambda device: next(budgets))
    out = tmp_path / "out.zarr"
    original = fill_disk_at_block(monkeypatch, 2)
    with pytest.raises(OutputError):
        run_denoise(config(path, out, model_file, block_frames=2))
    monkeypatch.setattr(Staging, "write", original)
    report = run_denoise(config(path, out, model_file, block_frames=2))  # now little memory
    assert report.stats.computed_frames == 7
    reference = tmp_path / "ref.zarr"
    monkeypatch.setattr(job, "default_memory_budget", lambda device: 64 << 20)
    run_denoise(config(path, reference, model_file, block_frames=2))
    with open_source(out) as a, open_source(reference) as b:
        np.testing.assert_array_equal(a.read(0, 11), b.read(0, 11))
    assert read_attrs(out, "zarr")["provenance"]["parameters"]["tile"] == "auto"


def test_an_input_rewritten_with_the_same_size_and_time_is_another_job(tmp_path, movie, model_file):
    path, frames = movie
    out = tmp_path / "out.zarr"
    run_denoise(config(path, out, model_file, frames=(0, 4), block_frames=2))
    stat = path.stat()
    changed = frames.copy()
    changed[3, 20, 20] += 1  # one count in a late frame
    np.save(path, changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    with pytest.raises(InputError, match="was made from another input"):
        run_denoise(config(path, out, model_file, frames=(0, 4), block_frames=2))
    os.utime(path)  # touched, same content: the same job
    np.save(path, frames)
    assert run_denoise(
        config(path, out, model_file, frames=(0, 4), block_frames=2)
    ).already_complete


KILL_SCRIPT = """
import sys
from temdenoise.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_killed_run_resumes_bit_for_bit(tmp_path, model_file):
    frames = np.random.default_rng(2).poisson(0.45, size=(48, 96, 96)).astype(np.uint16)
    np.save(tmp_path / "long.npy", frames)
    args = [
        "denoise",
        str(tmp_path / "long.npy"),
        "--model",
        str(model_file),
        "--block-frames",
        "2",
    ]
    cmd = [sys.executable, "-c", KILL_SCRIPT]
    subprocess.run([*cmd, *args, "-o", str(tmp_path / "ref.zarr")], check=True, capture_output=True)

    out = tmp_path / "out.zarr"
    progress = tmp_path / "out.zarr.partial" / ".temdenoise-progress"
    proc = subprocess.Popen([*cmd, *args, "-o", str(out)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if progress.is_dir() and len(os.listdir(progress)) >= 3:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = len(os.listdir(progress))
    assert 3 <= written < 24, "the run was not interrupted mid-way"
    assert not out.exists()

    result = subprocess.run(
        [*cmd, *args, "-o", str(out)], capture_output=True, text=True, check=True
    )
    assert f"({48 - 2 * written} computed" in result.stdout
    with open_source(out) as a, open_source(tmp_path / "ref.zarr") as b:
        np.testing.assert_array_equal(a.read(0, 48), b.read(0, 48))
    assert frames.tobytes() == np.load(tmp_path / "long.npy").tobytes()


def test_outputs_carry_their_calibration_for_other_tools(tmp_path, movie, model_file):
    from rsciio.tiff import file_reader

    path, _ = movie
    run_denoise(config(path, tmp_path / "out.tif", model_file, pixel_size=0.5))
    axes = file_reader(str(tmp_path / "out.tif"))[0]["axes"]  # as HyperSpy reads it
    assert [(a["scale"], a["units"]) for a in axes[1:]] == [(0.05, "nm"), (0.05, "nm")]
    run_denoise(config(path, tmp_path / "out.zarr", model_file, pixel_size=0.5))
    import zarr

    ome = zarr.open_group(tmp_path / "out.zarr", mode="r").attrs["ome"]  # OME-NGFF 0.5
    image = ome["multiscales"][0]
    assert [a["name"] for a in image["axes"]] == ["t", "y", "x"]
    assert image["axes"][1]["unit"] == "angstrom"
    assert image["datasets"][0]["path"] == "frames"
    assert image["datasets"][0]["coordinateTransformations"][0]["scale"][1:] == [0.5, 0.5]


@pytest.mark.parametrize("ext", [".h5", ".hspy"])
def test_hdf5_outputs_are_hyperspy_signals_with_calibrated_axes(tmp_path, movie, model_file, ext):
    from rsciio.hspy import file_reader

    path, frames = movie
    out = tmp_path / f"out{ext}"
    run_denoise(config(path, out, model_file, pixel_size=0.5))
    (signal,) = file_reader(str(out))  # as hs.load reads it
    axes = [(a["name"], a["scale"], a["units"], a["navigate"]) for a in signal["axes"]]
    assert axes == [("time", 1.0, "", True), ("y", 0.05, "nm", False), ("x", 0.05, "nm", False)]
    assert signal["data"].shape == frames.shape
    assert "temdenoise_provenance" in signal["original_metadata"]
    with open_source(out) as ours:  # and as temdenoise reads its own output back
        assert ours.metadata.pixel_size == 0.5
        np.testing.assert_array_equal(ours.read(0, frames.shape[0]), signal["data"])


def test_auto_precision_is_resolved_once_and_recorded_as_used(
    tmp_path, movie, model_file, monkeypatch
):
    from temdenoise.infer import device as device_module
    from temdenoise.models.checkpoint import update_header

    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: True)
    update_header(model_file, bf16_cost_db=0.01)
    path, frames = movie
    out = tmp_path / "out.zarr"
    run_denoise(config(path, out, model_file, block_frames=4))
    assert read_attrs(out, "zarr")["provenance"]["parameters"]["precision"] == "bf16"
    with open_source(out) as src:
        data = src.read(0, 11)
    expected = denoise(frames, load_model(model_file), precision="bf16")
    np.testing.assert_allclose(data, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    again = config(path, out, model_file, precision="bf16", block_frames=4)
    assert run_denoise(again).already_complete  # the same job as "auto" resolved here


def test_bf16_tiles_are_chosen_for_its_half_size_activations(
    tmp_path, movie, model_file, monkeypatch
):
    from temdenoise.infer import job

    path, _ = movie  # 40 x 56 px: 313,600 bytes of fp32 activations, 156,800 in bf16
    monkeypatch.setattr(job, "default_memory_budget", lambda device: 200_000)
    used = {}
    for precision in ("fp32", "bf16"):
        out = tmp_path / f"{precision}.zarr"
        run_denoise(config(path, out, model_file, precision=precision, block_frames=4))
        used[precision] = read_attrs(out, "zarr")["provenance"]["tile_used"]
    assert used["bf16"] == [40, 56]  # the whole frame in one window
    assert used["fp32"][0] * used["fp32"][1] < 40 * 56
