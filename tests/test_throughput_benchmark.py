"""benchmarks/throughput.py's operation count, on which its TFLOP/s column rests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from temdenoise.models import BFDnCNN, BFUNet

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"


@pytest.fixture(scope="module")
def throughput():
    spec = importlib.util.spec_from_file_location("throughput_benchmark", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_dncnn_costs_two_operations_per_multiply_add_of_its_layers(throughput):
    # 3 x 3 kernels: 1 -> 4, 4 -> 4, 4 -> 1 channels, every layer at full resolution
    assert throughput.flops_per_pixel(BFDnCNN(depth=3, width=4)) == 2 * 9 * (4 + 16 + 4)


def test_more_frames_in_cost_only_the_first_layer_more(throughput):
    one = throughput.flops_per_pixel(BFUNet(scales=2, width=4))
    five = throughput.flops_per_pixel(BFUNet(scales=2, width=4, in_frames=5))
    assert five - one == pytest.approx(2 * 9 * 4 * 4)  # 4 more frames into 4 channels, 3 x 3
