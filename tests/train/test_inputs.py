from __future__ import annotations

from pathlib import Path

import pytest

from temdenoise.errors import InputError
from temdenoise.models.checkpoint import read_header
from temdenoise.noise import NoiseModel, Poisson, save_noise_model
from temdenoise.train.loop import run_train

from .conftest import train_config


def test_noise_model_file_sets_the_dose(dataset: Path, tmp_path: Path) -> None:
    noise = tmp_path / "noise.json"
    save_noise_model(NoiseModel((Poisson(),), dose=0.3), noise)
    output = tmp_path / "m.safetensors"
    run_train(train_config(dataset, output, noise=noise))
    assert read_header(output).dose_range == (0.3, 0.3)
    undosed = tmp_path / "undosed.json"
    save_noise_model(NoiseModel((Poisson(),)), undosed)
    with pytest.raises(InputError, match="no measured dose"):
        run_train(train_config(dataset, tmp_path / "n.safetensors", noise=undosed))
