from __future__ import annotations

from pathlib import Path

from temdenoise.models.checkpoint import read_header
from temdenoise.train.loop import run_train

from .conftest import train_config


def test_the_history_adds_each_run_to_the_model_it_started_from(
    dataset: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.safetensors"
    run_train(train_config(dataset, first))
    second = tmp_path / "second.safetensors"
    run_train(train_config(dataset, second, init=str(first), steps=6))
    history = read_header(second).training["history"]
    assert [h["steps"] for h in history] == [4, 6]
    assert all(h["wall_seconds"] >= 0 and h["images"] > 0 and h["device"] for h in history)
