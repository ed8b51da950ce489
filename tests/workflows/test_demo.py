"""`temdenoise demo`: the whole chain end to end, reruns, and one-line errors.

The fast tests replace the multislice image (abTEM) by blurred projected atom positions of
the same ASE structures; everything else (movie plan, dataset, noise, fit, streaming
denoiser, evaluation) is the real code. The real multislice run is marked slow.
"""

import contextlib
import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from temdenoise.cli import main
from temdenoise.config import DemoConfig
from temdenoise.errors import ModelFileError
from temdenoise.io import open_source
from temdenoise.models import build_model
from temdenoise.models.checkpoint import save_model
from temdenoise.workflows.demo import STAGES, run_demo, table_lines
from temdenoise.workflows.demo_analysis import METRICS

pytestmark = pytest.mark.sim
ARGS = ["--frames", "8", "--size", "48", "--workers", "1"]


def projected_image(atoms, *, shape, pixel_size, margin, dose, **optics):
    """A cheap stand-in for the multislice image: bright, blurred projected atoms."""
    from scipy.ndimage import gaussian_filter

    # abTEM arrays are [x, y]: rows are y, columns are x (see simulate/hrtem.py)
    rows = atoms.positions[:, 1] / pixel_size - margin
    cols = atoms.positions[:, 0] / pixel_size - margin
    density, _, _ = np.histogram2d(rows, cols, bins=shape, range=((0, shape[0]), (0, shape[1])))
    blurred = gaussian_filter(density, sigma=0.5 / pixel_size)
    return (dose * (1.0 + 0.1 * blurred)).astype(np.float32)


@pytest.fixture(scope="module")
def fake_imaging():
    pytest.importorskip("ase")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("temdenoise.simulate.hrtem.simulate_image", projected_image)
        yield


def tiny_model(path, seed):
    torch.manual_seed(seed)
    net = build_model("unet", scales=2, width=4)
    save_model(path, net.eval(), pixel_size=0.25, dose_range=(0.1, 10.0), name=f"tiny{seed}")
    return path


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("model") / "tiny.safetensors", 0)


@pytest.fixture(scope="module")
def finished(tmp_path_factory, model_file, fake_imaging):
    """One demo run through the command line: (folder, stdout)."""
    out = tmp_path_factory.mktemp("finished") / "demo"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        code = main(["demo", "-o", str(out), "--model", str(model_file), *ARGS])
    assert code == 0
    return out, stdout.getvalue()


def run(capsys, *args):
    code = main(["demo", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def config(out, model):
    return DemoConfig(output=out, model=str(model), frames=8, size=48, workers=1)


def test_demo_writes_movies_noise_model_report_and_table(finished):
    out, stdout = finished
    for name in ("psnr_count", "psnr_range", "SSIM", "uPSNR", "simulate", "denoise", "total"):
        assert name in stdout
    assert "0.45 counts/px at 0.05 A/px (180 e/A^2) on the detector" in stdout
    assert "binned to 0.25 A/px" in stdout
    for name in ("clean.zarr", "detector.zarr", "noisy.zarr", "noise.json", "denoised.zarr"):
        assert (out / name).exists()
    for name in ("index.html", "metrics.json", "comparison.png", "profiles.png", "likelihood.png"):
        assert (out / "report" / name).exists()
    assert str(out / "report" / "index.html") in stdout
    summary = json.loads((out / "demo.json").read_text())
    assert summary["complete"] is True
    assert [s["name"] for s in summary["stages"]] == list(STAGES)
    metrics = json.loads((out / "report" / "metrics.json").read_text())
    assert metrics["inputs"]["shape"] == [8, 240, 240]  # the detector: 5 x 5 px per model px
    assert summary["metrics"]["psnr_count"]["noisy"] == pytest.approx(
        metrics["summary"]["psnr_count_noisy"], abs=1e-3
    )
    with open_source(out / "noisy.zarr") as noisy:
        assert noisy.metadata.pixel_size == 0.05
        assert noisy.dtype == np.uint16
        assert noisy.read(0, 8)[:, :24, :24].mean() == pytest.approx(0.45, rel=0.1)  # vacuum
    assert not list(out.glob("*.partial"))


def test_rerun_of_a_finished_demo_reuses_every_stage(finished, model_file):
    out, _ = finished
    before = _read(out / "noisy.zarr")
    again = run_demo(config(out, model_file))
    assert [s.note.split(": ")[-1] for s in again.stages] == ["reused"] * len(STAGES)
    np.testing.assert_array_equal(_read(out / "noisy.zarr"), before)
    assert set(again.metrics) == set(METRICS)
    assert "total" in table_lines(again)[-1]


def test_interrupted_rerun_with_another_model_is_finished_by_the_next(
    finished, tmp_path, monkeypatch
):
    out = tmp_path / "demo"
    shutil.copytree(finished[0], out)
    other = tiny_model(tmp_path / "other.safetensors", 1)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("temdenoise.workflows.demo.evaluate_movie", crash)
        with pytest.raises(KeyboardInterrupt):
            run_demo(config(out, other))
    assert json.loads((out / "demo.json").read_text())["complete"] is False
    evaluated = []

    def evaluate(files, settings, progress):  # the real one runs in `finished`
        evaluated.append(files["denoised"])
        return {name: (0.0, 1.0) for name in METRICS}

    monkeypatch.setattr("temdenoise.workflows.demo.evaluate_movie", evaluate)
    result = run_demo(config(out, other))
    notes = {stage.name: stage.note for stage in result.stages}
    assert notes["simulate"] == notes["add noise"] == "reused"
    assert notes["denoise"] == "tiny1: reused"  # finished before the interruption
    assert evaluated == [out / "denoised.zarr"]  # the old report is not reused
    assert json.loads((out / "demo.json").read_text())["complete"] is True


def test_rerun_with_other_movie_settings_is_refused(finished, model_file, capsys):
    out, _ = finished
    code, _, err = run(capsys, "-o", out, "--model", model_file, *ARGS, "--seed", "3")
    assert code == 2
    assert err.count("\n") == 1
    assert "seed differ" in err
    assert json.loads((out / "demo.json").read_text())["complete"] is True


def test_a_folder_that_is_not_a_demo_is_refused(tmp_path, model_file, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    code, _, err = run(capsys, "-o", tmp_path, "--model", model_file, *ARGS)
    assert code == 2
    assert "not a temdenoise demo folder" in err
    assert (tmp_path / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize("model", ["no-such-model", "missing.safetensors"])
def test_bad_model_is_one_line_before_anything_is_simulated(tmp_path, model, capsys):
    out = tmp_path / "demo"
    code, _, err = run(capsys, "-o", out, "--model", tmp_path / model, *ARGS)
    assert code == 2
    assert err.startswith("temdenoise: error:")
    assert err.count("\n") == 1
    assert not out.exists()


def test_unknown_shipped_name_is_the_resolve_model_error(tmp_path):
    config = DemoConfig(output=tmp_path / "demo", model="no-such-model")
    with pytest.raises(ModelFileError, match="no model of that name is shipped"):
        run_demo(config)


def test_too_few_frames_is_a_config_error(tmp_path, model_file, capsys):
    code, _, err = run(capsys, "-o", tmp_path / "d", "--model", model_file, "--frames", "4")
    assert code == 2
    assert "frames" in err


@pytest.mark.slow
def test_real_multislice_demo_in_a_fresh_process(tmp_path, model_file):
    pytest.importorskip("abtem")
    command = [sys.executable, "-m", "temdenoise", "demo", "-o", tmp_path / "d"]
    result = subprocess.run(
        [*command, "--model", model_file, *ARGS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "psnr_count" in result.stdout
    assert json.loads((tmp_path / "d" / "demo.json").read_text())["complete"] is True


def _read(path):
    import zarr

    return zarr.open_group(path, mode="r")["frames"][:]
