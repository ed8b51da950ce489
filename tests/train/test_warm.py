from __future__ import annotations

import pytest
import torch

from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.train.warm import warm_start
from tests.conftest import randomize


def test_a_one_frame_model_seeds_a_five_frame_one_that_denoises_the_mean() -> None:
    source = randomize(BFUNet(scales=2, width=4)).eval()
    network = BFUNet(scales=2, width=4, in_frames=5).eval()
    warm_start(network, source)
    frames = torch.rand(2, 5, 32, 32) * 3
    with torch.no_grad():
        expected = source(frames.mean(dim=1, keepdim=True))
        torch.testing.assert_close(network(frames), expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda k: BFUNet(scales=2, width=4, in_frames=k),
        lambda k: BFDnCNN(depth=3, width=4, in_frames=k),
    ],
)
def test_seeded_on_the_middle_frame_a_five_frame_model_starts_as_the_one_frame_one(make) -> None:
    source = randomize(make(1)).eval()
    network = make(5).eval()
    warm_start(network, source, frames="middle")
    frames = torch.rand(2, 5, 32, 32) * 3
    with torch.no_grad():
        torch.testing.assert_close(network(frames), source(frames[:, 2:3]), atol=1e-6, rtol=1e-6)
        moved = frames.clone()
        moved[:, [0, 1, 3, 4]] = torch.rand(2, 4, 32, 32) * 3  # the neighbours do not count yet
        torch.testing.assert_close(network(moved), network(frames), atol=1e-6, rtol=1e-6)
    with pytest.raises(ValueError, match="mean' or 'middle"):
        warm_start(make(5), source, frames="first")  # type: ignore[arg-type]


def test_the_same_architecture_copies_exactly() -> None:
    source = randomize(BFDnCNN(depth=3, width=4, in_frames=3))
    network = BFDnCNN(depth=3, width=4, in_frames=3)
    warm_start(network, source)
    for name, weight in source.state_dict().items():
        assert torch.equal(network.state_dict()[name], weight)


@pytest.mark.parametrize(
    ("network", "source", "message"),
    [
        (BFUNet(scales=2, width=4), BFUNet(scales=3, width=4), "architectures differ"),
        (BFUNet(scales=2, width=4), BFDnCNN(depth=3, width=4), "architectures differ"),
        (BFUNet(scales=2, width=4, in_frames=5), BFUNet(scales=2, width=4, in_frames=3), "3-frame"),
    ],
)
def test_other_architectures_are_refused(network, source, message) -> None:
    with pytest.raises(ValueError, match=message):
        warm_start(network, source)
