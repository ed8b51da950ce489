"""`temdenoise adapt`: self-supervised adaptation lowers its loss and writes a usable model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from temdenoise.cli import main
from temdenoise.config import AdaptConfig
from temdenoise.errors import ConfigError, InputError, OutputError
from temdenoise.infer.apply import denoise
from temdenoise.models import BFDnCNN
from temdenoise.models.checkpoint import load_model, save_model
from temdenoise.train.adapt import run_adapt


@pytest.fixture
def movie(tmp_path: Path) -> Path:
    """Six noisy frames of drifting stripes at about 3 counts/px."""
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:48, 0:48]
    clean = np.stack([3 + np.sin((cols + 0.5 * t) * 2 * np.pi / 8) for t in range(6)])
    path = tmp_path / "movie.npy"
    np.save(path, rng.poisson(clean * np.ones_like(rows)).astype(np.uint16))
    return path


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    path = tmp_path / "model.safetensors"
    training = {"augment": {"pixel_size_range": [0.5, 2.0]}, "steps": 7}
    save_model(
        path,
        BFDnCNN(depth=3, width=4),
        pixel_size=1.0,
        dose_range=(0.1, 10.0),
        training=training,
        name="tiny",
    )
    return path


def _config(movie: Path, output: Path, **changes: Any) -> AdaptConfig:
    values: dict[str, Any] = {
        "input": movie,
        "output": output,
        "steps": 30,
        "batch_size": 2,
        "patch_size": 32,
        "lr": 3e-3,
        "threads": 1,
    }
    values.update(changes)
    return AdaptConfig.build(**values)


@pytest.mark.parametrize("gains_only", [False, True])
def test_adaptation_lowers_the_self_supervised_loss(movie, model_file, tmp_path, gains_only):
    output = tmp_path / "adapted.safetensors"
    result = run_adapt(_config(movie, output, model=str(model_file), gains_only=gains_only))
    assert result.steps == 30
    assert result.loss_after < result.loss_before
    adapted = load_model(output)
    assert adapted.header.name == "tiny-adapted"
    assert adapted.header.pixel_size == 1.0
    info = adapted.header.training["adaptation"]
    assert info["mode"] == ("gains" if gains_only else "all weights")
    assert info["source"]["weights_sha256"] == load_model(model_file).header.weights_sha256
    assert adapted.header.training["steps"] == 7  # the source's training is kept
    original = load_model(model_file).network.state_dict()
    for name, weight in adapted.network.state_dict().items():
        gain = name.endswith(".weight") and weight.dim() == 4 and weight.shape[0] == 1
        if gains_only and not gain:
            assert torch.equal(weight, original[name]), name  # only the gains moved
    frames = np.load(movie)
    assert denoise(frames, adapted).shape == frames.shape


def test_scratch_trains_a_multi_frame_video_model_on_the_movie_alone(movie, tmp_path):
    output = tmp_path / "video.safetensors"
    result = run_adapt(
        _config(movie, output, scratch=True, frames=3, pixel_size=0.3, steps=30, batch_size=2)
    )
    assert result.loss_after < result.loss_before
    model = load_model(output)
    assert model.network.in_frames == 3
    assert model.header.pixel_size == 0.3
    assert model.header.training["adaptation"]["source"] == "scratch"
    assert model.header.training["augment"]["pixel_size_range"] == [0.3, 0.3]


def test_bad_settings_are_one_line_errors(movie, model_file, tmp_path):
    output = tmp_path / "a.safetensors"
    with pytest.raises(ConfigError, match="--scratch trains a new model"):
        run_adapt(_config(movie, output, scratch=True, gains_only=True, pixel_size=1.0))
    with pytest.raises(ConfigError, match="--scratch trains a new model"):
        run_adapt(_config(movie, output, scratch=True, model=str(model_file), pixel_size=1.0))
    with pytest.raises(InputError, match="would replace the input"):
        run_adapt(_config(movie, movie, model=str(model_file), overwrite=True))
    with pytest.raises(InputError, match=r"movie\.npy: the pixel size is unknown"):
        run_adapt(_config(movie, output, scratch=True))
    output.write_text("keep me")
    with pytest.raises(OutputError, match="exists; pass --overwrite"):
        run_adapt(_config(movie, output, model=str(model_file)))
    assert output.read_text() == "keep me"


def test_the_command_line_prints_the_loss_before_and_after(movie, model_file, tmp_path, capsys):
    output = tmp_path / "cli.safetensors"
    args = ["adapt", str(movie), "--model", str(model_file), "-o", str(output)]
    code = main([*args, "--steps", "2", "--patch-size", "32", "--threads", "1"])
    assert code == 0
    assert "blind-spot loss" in capsys.readouterr().out
    assert output.exists()
    code = main(["adapt", str(tmp_path / "missing.npy"), "-o", str(tmp_path / "x.safetensors")])
    assert code == 2
    assert "missing.npy" in capsys.readouterr().err


def test_a_movie_without_counts_is_refused_and_nothing_is_written(model_file, tmp_path):
    empty = tmp_path / "dark.npy"
    np.save(empty, np.zeros((3, 40, 40), dtype=np.uint16))
    output = tmp_path / "never.safetensors"
    with pytest.raises(InputError, match=r"dark\.npy: the frames hold no counts"):
        run_adapt(_config(empty, output, model=str(model_file)))
    assert not output.exists()
