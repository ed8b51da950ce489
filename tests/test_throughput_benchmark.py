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


def test_the_network_clock_times_trimmed_calls_and_counts_their_work(throughput):
    import numpy as np
    import torch

    from temdenoise.infer import denoise

    net = BFUNet(scales=2, width=4)
    frame = np.random.default_rng(0).poisson(1.0, (64, 64)).astype(np.float32)
    per_frame = throughput.flops_per_pixel(net) * frame.size
    with throughput.NetworkClock(torch.device("cpu")) as whole:
        denoise(frame, net, tile=None)
    with throughput.NetworkClock(torch.device("cpu")) as tiled:
        denoise(frame, net, tile=16)
    assert whole.flops == per_frame  # one pass over the frame
    assert whole.seconds > 0
    # halo computed, but less than the plain windows' pixels (trimmed as the network goes)
    plan_pixels = 16 * (16 + 2 * 8) ** 2  # 4 x 4 windows, at most 32 px a side
    assert per_frame < tiled.flops < per_frame * plan_pixels / frame.size
