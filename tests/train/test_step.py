from __future__ import annotations

import math
from pathlib import Path

import pytest

from temdenoise.models.checkpoint import load_model, read_header
from temdenoise.train.loop import run_train

from .conftest import train_config


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_each_precision_trains_and_is_recorded(
    dataset: Path, tmp_path: Path, precision: str
) -> None:
    output = tmp_path / f"{precision}.safetensors"
    result = run_train(
        train_config(
            dataset, output, precision=precision, arch="unet", arch_params={"scales": 2, "width": 4}
        )
    )
    assert math.isfinite(result.best_validation["psnr_count"])
    training = read_header(output).training
    assert training["precision"] == ("bf16 autocast" if precision == "bf16" else "fp32")
    assert load_model(output).network.state_dict()["head.weight"].is_contiguous()
