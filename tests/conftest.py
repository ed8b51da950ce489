"""Shared fixtures: the compute device and networks with non-trivial batch-norm state."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from temdenoise.models import BFDnCNN, BiasFreeBatchNorm2d, Denoiser
from temdenoise.models.checkpoint import save_model


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request: pytest.FixtureRequest) -> torch.device:
    """Every test that takes it runs on the CPU, and on the GPU when there is one."""
    return torch.device(request.param)


def randomize(network: Denoiser, seed: int = 0) -> Denoiser:
    """Give every bias-free batch norm random positive gains and running std; eval mode."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, BiasFreeBatchNorm2d):
                module.weight.copy_(0.5 + torch.rand(module.weight.shape, generator=gen))
                module.running_sd.copy_(0.5 + torch.rand(module.running_sd.shape, generator=gen))
    return network.eval()


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    """A tiny DnCNN model file at 1 A/px, trained over 0.1-10 counts/px (random weights)."""
    torch.manual_seed(0)
    path = tmp_path / "model.safetensors"
    save_model(path, BFDnCNN(depth=3, width=4), pixel_size=1.0, dose_range=(0.1, 10.0))
    return path
