"""The reported receptive radius is exact: gradients vanish outside it and reach it."""

import numpy as np
import pytest
import torch

from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.models.unet import unet_receptive_radius
from tests.conftest import randomize


def input_gradient(net, size, pixel, in_frames=1):
    x = (torch.rand(1, in_frames, size, size) + 0.5).requires_grad_(True)
    net(x)[0, 0, pixel[0], pixel[1]].backward()
    return x.grad[0].abs().sum(dim=0).numpy()


def support(grad, pixel):
    """Reach of the non-zero gradient from ``pixel``: (up, down, left, right)."""
    rows, cols = np.nonzero(grad)
    return (
        pixel[0] - rows.min(),
        rows.max() - pixel[0],
        pixel[1] - cols.min(),
        cols.max() - pixel[1],
    )


def test_seed_dncnn_receptive_field_is_the_full_41px_square():
    torch.manual_seed(0)
    net = randomize(BFDnCNN())
    r = net.receptive_radius
    assert r == 20
    grad = input_gradient(net, 61, (30, 30))
    inside = np.zeros_like(grad, dtype=bool)
    inside[30 - r : 30 + r + 1, 30 - r : 30 + r + 1] = True
    assert np.all(grad[~inside] == 0)
    assert np.all(grad[inside] != 0)


@pytest.mark.parametrize(("scales", "convs"), [(2, 2), (3, 1), (4, 2)])
def test_unet_receptive_radius_is_tight_over_a_downsampling_period(scales, convs):
    torch.manual_seed(0)
    net = randomize(BFUNet(scales=scales, width=8, convs_per_block=convs))
    r, d = net.receptive_radius, net.downsampling
    size = (2 * r + 3 * d) // d * d + d
    centre = size // 2 // d * d
    reaches = []
    for offset in range(d):  # every position of an output pixel relative to the pooling grid
        pixel = (centre + offset, centre + offset)
        reaches.append(support(input_gradient(net, size, pixel), pixel))
    reaches = np.array(reaches)
    assert reaches.max() == r  # reaches the radius somewhere ...
    assert reaches.min() > 0
    assert np.all(reaches <= r)  # ... and never beyond it


def test_multi_frame_gradient_reaches_every_input_frame_within_the_radius():
    torch.manual_seed(0)
    net = randomize(BFDnCNN(depth=5, width=8, in_frames=3))
    x = torch.rand(1, 3, 21, 21, requires_grad=True)
    net(x)[0, 0, 10, 10].backward()
    for frame in x.grad[0]:
        rows, cols = np.nonzero(frame.numpy())
        assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 15, 5, 15)


def test_unet_radius_values():
    # 2 convs per block: 2 + 4 + 8 + 16 convolution reach on the way down, 8 + 4 + 2 up,
    # plus the pooling and upsampling grid: 51 px for 4 scales.
    assert unet_receptive_radius(4, 2) == 51
    assert [unet_receptive_radius(s, 2) for s in range(2, 7)] == [9, 23, 51, 107, 219]
