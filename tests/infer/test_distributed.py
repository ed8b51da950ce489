"""The Dask path: same bytes as the single-process stream, survives a lost worker."""

import os
import signal
import threading
import time

import numpy as np
import pytest
import torch

from temdenoise.cli import main
from temdenoise.config import DenoiseConfig
from temdenoise.errors import ClusterError
from temdenoise.infer import denoise
from temdenoise.infer.job import run_denoise
from temdenoise.io import open_source
from temdenoise.models import BFUNet
from temdenoise.models.checkpoint import save_model
from tests.conftest import randomize

pytestmark = pytest.mark.dask


@pytest.fixture
def job(tmp_path):
    torch.manual_seed(0)
    model = tmp_path / "model.safetensors"
    save_model(model, randomize(BFUNet(scales=3, width=4)), pixel_size=1.0, dose_range=(0.1, 10))
    frames = np.random.default_rng(0).poisson(0.45, size=(24, 64, 80)).astype(np.uint16)
    np.save(tmp_path / "movie.npy", frames)
    return tmp_path, model


def config(tmp_path, model, out, **kwargs):
    return DenoiseConfig(
        input=tmp_path / "movie.npy",
        output=tmp_path / out,
        model=str(model),
        pixel_size=1.0,
        block_frames=2,
        device="cpu",
        **kwargs,
    )


def read(path):
    with open_source(path) as src:
        return src.read(0, src.shape[0])


def test_local_cluster_equals_single_process(job):
    tmp_path, model = job
    run_denoise(config(tmp_path, model, "single.zarr"))
    report = run_denoise(config(tmp_path, model, "dask.zarr", cluster="local:2"))
    assert report.stats.computed_frames == 24
    np.testing.assert_array_equal(read(tmp_path / "dask.zarr"), read(tmp_path / "single.zarr"))


def test_local_cluster_feeds_multi_frame_windows(job):
    tmp_path, _ = job
    torch.manual_seed(1)
    network = randomize(BFUNet(scales=3, width=4, in_frames=5))
    model = tmp_path / "five.safetensors"
    save_model(model, network, pixel_size=1.0, dose_range=(0.1, 10))
    run_denoise(config(tmp_path, model, "single.zarr"))
    run_denoise(config(tmp_path, model, "dask.zarr", cluster="local:2"))
    result = read(tmp_path / "dask.zarr")
    np.testing.assert_array_equal(result, read(tmp_path / "single.zarr"))
    expected = denoise(np.load(tmp_path / "movie.npy"), network)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_a_killed_worker_does_not_change_the_result(job, monkeypatch):
    tmp_path, model = job
    run_denoise(config(tmp_path, model, "single.zarr"))
    import distributed

    progress = tmp_path / "killed.zarr.partial" / ".temdenoise-progress"
    killed = []

    def kill_a_worker(client):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (progress.is_dir() and os.listdir(progress)):
            time.sleep(0.01)
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    original = distributed.Client.__init__

    def client_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        threading.Thread(target=kill_a_worker, args=(self,), daemon=True).start()

    monkeypatch.setattr(distributed.Client, "__init__", client_init)
    report = run_denoise(config(tmp_path, model, "killed.zarr", cluster="local:2"))
    assert killed
    assert report.stats.computed_frames == 24
    np.testing.assert_array_equal(read(tmp_path / "killed.zarr"), read(tmp_path / "single.zarr"))


def test_unreachable_scheduler_is_one_line_within_the_timeout(job, capsys):
    tmp_path, model = job
    start = time.monotonic()
    code = main(
        [
            "denoise",
            str(tmp_path / "movie.npy"),
            "-o",
            str(tmp_path / "o.zarr"),
            "--model",
            str(model),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ]
    )
    assert time.monotonic() - start < 60
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert len([line for line in err.splitlines() if line.startswith("temdenoise:")]) == 1


def test_bad_cluster_spec_and_missing_dask(job, monkeypatch, capsys):
    tmp_path, model = job
    code = main(
        [
            "denoise",
            str(tmp_path / "movie.npy"),
            "-o",
            str(tmp_path / "o.zarr"),
            "--model",
            str(model),
            "--cluster",
            "remote:3",
        ]
    )
    assert code == 2
    assert "invalid cluster" in capsys.readouterr().err
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ClusterError, match=r"pip install 'temdenoise\[distributed\]'"):
        run_denoise(config(tmp_path, model, "o.zarr", cluster="local:1"))


def test_a_worker_never_uses_a_replaced_model_file(tmp_path):
    from temdenoise.errors import ModelFileError
    from temdenoise.infer.distributed import _network
    from temdenoise.models.checkpoint import read_header

    path = tmp_path / "mine.safetensors"
    torch.manual_seed(1)
    first = save_model(
        path, randomize(BFUNet(scales=2, width=4), 1), pixel_size=1.0, dose_range=(0.1, 10)
    )
    old = _network(str(path), "cpu", first.weights_sha256)
    save_model(path, randomize(BFUNet(scales=2, width=4), 2), pixel_size=1.0, dose_range=(0.1, 10))
    second = read_header(path)
    new = _network(str(path), "cpu", second.weights_sha256)  # same path, the new weights
    assert new is not old
    x = torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        assert not torch.equal(new(x), old(x))
    _network.cache_clear()
    with pytest.raises(ModelFileError, match="changed while the job ran"):
        _network(str(path), "cpu", first.weights_sha256)


def test_local_workers_share_the_threads_and_a_process_gets_its_own(job, monkeypatch):
    from temdenoise.infer import distributed
    from temdenoise.infer import job as job_module

    started = {}

    class FakeDistributed:
        @staticmethod
        def LocalCluster(**kwargs):
            started.update(kwargs)
            return "cluster"

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert distributed._local_cluster(FakeDistributed, 2, "cpu", threads=2) == ("cluster", 1)
    assert started["n_workers"] == 2
    assert started["threads_per_worker"] == 1
    assert distributed._local_cluster(FakeDistributed, 2, "cpu") == ("cluster", 4)
    assert distributed._local_cluster(FakeDistributed, None, "cpu", threads=3)[1] == 1
    assert started["n_workers"] == 3

    tmp_path, model = job
    seen = []
    real = job_module.denoise_movie

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(job_module, "denoise_movie", spy)
    before = torch.get_num_threads()
    run_denoise(config(tmp_path, model, "one-thread.zarr", threads=1))
    assert seen == [1]
    assert torch.get_num_threads() == before
