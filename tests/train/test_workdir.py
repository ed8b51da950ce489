from __future__ import annotations

from pathlib import Path

import pytest

from temdenoise.errors import ConfigError, OutputError
from temdenoise.models.checkpoint import read_header
from temdenoise.train.loop import run_train

from .conftest import train_config


def test_refuses_to_lose_work(dataset: Path, tmp_path: Path) -> None:
    output = tmp_path / "m.safetensors"
    run_train(train_config(dataset, output, steps=2))
    with pytest.raises(OutputError, match="interrupted run"):
        run_train(train_config(dataset, output))
    with pytest.raises(ConfigError, match=r"other settings \(lr\)"):
        run_train(train_config(dataset, output, resume=True, lr=0.01))
    with pytest.raises(ConfigError, match="nothing to resume"):
        run_train(train_config(dataset, tmp_path / "new.safetensors", resume=True))
    run_train(train_config(dataset, output, overwrite=True))
    assert read_header(output).training["steps"] == 4
