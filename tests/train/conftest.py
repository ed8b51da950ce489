"""A small clean dataset like those of ``temdenoise simulate`` (made without abTEM), a tiny run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from temdenoise.config import TrainConfig


def lattice_images(n: int, size: int, seed: int) -> np.ndarray:
    """Images of Gaussian columns on a jittered lattice over vacuum 1, like HRTEM contrast."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:size, 0:size].astype(np.float32)
    out = np.ones((n, size, size), dtype=np.float32)
    for image in out:
        period = rng.uniform(4, 7)
        phase = rng.uniform(0, period, 2)
        image += (
            0.6
            * np.cos(2 * np.pi * (r - phase[0]) / period) ** 2
            * np.cos(2 * np.pi * (c - phase[1]) / period) ** 2
        )
    return out


def write_fake_dataset(
    path: Path, *, n_train: int = 6, n_test: int = 2, size: int = 32, dose: float = 0.45
) -> Path:
    """Write a dataset that ``temdenoise.train`` reads like a simulated one."""
    group = zarr.open_group(path, mode="w")
    clean = group.create_array("clean", shape=(n_train + n_test, size, size), dtype="float32")
    clean[:] = lattice_images(n_train + n_test, size, seed=1) * dose
    group.attrs.update(
        {
            "format": "temdenoise-simulated",
            "format_version": 1,
            "kind": "images",
            "pixel_size": 0.25,
            "dose": dose,
            "splits": {"train": [0, n_train], "test": [n_train, n_train + n_test]},
            "complete": True,
        }
    )
    return path


def write_fake_movie(path: Path, *, frames: int = 6, size: int = 32, dose: float = 0.45) -> Path:
    """Write a movie dataset (one scene drifting by a pixel per frame) like ``simulate --movie``."""
    scene = lattice_images(1, size + frames, seed=2)[0] * dose
    group = zarr.open_group(path, mode="w")
    clean = group.create_array("clean", shape=(frames, size, size), dtype="float32")
    clean[:] = np.stack([scene[t : t + size, t : t + size] for t in range(frames)])
    group.attrs.update(
        {
            "format": "temdenoise-simulated",
            "format_version": 1,
            "kind": "movie",
            "pixel_size": 0.25,
            "dose": dose,
            "splits": {"movie": [0, frames]},
            "complete": True,
        }
    )
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A complete fake dataset: 6 training and 2 test images of 32 x 32 px."""
    return write_fake_dataset(tmp_path / "clean.zarr")


def train_config(dataset: Path, output: Path, **changes: Any) -> TrainConfig:
    """A tiny, fast training run on ``dataset``, with ``changes`` on top."""
    values: dict[str, Any] = {
        "data": (dataset,),
        "output": output,
        "arch": "dncnn",
        "arch_params": {"depth": 3, "width": 4},
        "steps": 4,
        "batch_size": 2,
        "patch_size": 16,
        "val_every": 2,
        "checkpoint_every": 2,
        "val_images": 2,
        "val_size": 24,
        "threads": 1,
        "name": "tiny",
    }
    values.update(changes)
    return TrainConfig.build(**values)
