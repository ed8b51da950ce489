import itertools

import pytest
import torch

from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.models.layers import fold_norms
from temdenoise.models.trim import Sides, even, run_trimmed
from tests.conftest import randomize

NETWORKS = {
    "unet-4": lambda: BFUNet(scales=4, width=8),
    "unet-3x3-residual-3f": lambda: BFUNet(
        scales=3, width=8, convs_per_block=3, in_frames=3, residual=True
    ),
    "dncnn-6-residual": lambda: BFDnCNN(depth=6, width=8, residual=True),
}


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize(
    ("top", "left", "sides"),
    [
        (64, 32, Sides(True, True, True, True)),  # inside the frame: every side trimmed
        (0, 0, Sides(False, True, False, True)),  # at the frame's top left corner
        (160, 128, Sides(True, False, True, False)),  # at its bottom right corner
    ],
)
def test_a_trimmed_window_equals_the_whole_frame_pass_where_it_is_kept(name, top, left, sides):
    torch.manual_seed(0)
    net = fold_norms(randomize(NETWORKS[name]())).eval()
    frame = torch.rand(1, net.in_frames, 256, 256)
    with torch.inference_mode():
        whole = net(frame)
        y, (r, c) = net.forward_trimmed(frame[..., top : top + 96, left : left + 128], sides)
    kept = whole[..., top + r : top + r + y.shape[-2], left + c : left + c + y.shape[-1]]
    torch.testing.assert_close(y, kept, rtol=1e-5, atol=1e-5)
    margins = (r, 96 - r - y.shape[-2], c, 128 - c - y.shape[-1])
    flags = (sides.top, sides.bottom, sides.left, sides.right)
    for trimmed, margin in zip(flags, margins, strict=True):
        # an edge side keeps everything; an inner one all but at most the receptive radius
        assert 0 < margin <= net.receptive_radius if trimmed else margin == 0


@pytest.mark.parametrize("name", list(NETWORKS))
def test_trimming_every_side_of_a_window_drops_work_but_keeps_values(name):
    torch.manual_seed(1)
    net = fold_norms(randomize(NETWORKS[name]())).eval()
    x = torch.rand(2, net.in_frames, 128, 160)
    with torch.inference_mode():
        plain = net(x)
        for bits in itertools.product([False, True], repeat=4):
            y, (r, c) = net.forward_trimmed(x, Sides(*bits))
            torch.testing.assert_close(
                y, plain[..., r : r + y.shape[-2], c : c + y.shape[-1]], rtol=1e-5, atol=1e-5
            )
        y, offset = net.forward_trimmed(x, Sides())
        assert offset == (0, 0)
        assert torch.equal(y, plain)


def test_unet_trims_46_px_per_inner_side_less_than_its_56_px_halo():
    net = BFUNet(scales=4, width=4).eval()
    with torch.inference_mode():
        y, offset = net.forward_trimmed(torch.zeros(1, 1, 256, 256), Sides(True, True, True, True))
    assert offset == (46, 46)
    assert tuple(y.shape[-2:]) == (256 - 92, 256 - 92)
    assert net.receptive_radius == 51


def test_run_trimmed_crops_after_each_3x3_convolution_only():
    layers = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3, padding=1, bias=False),
        torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3, padding=1, bias=False)),
        torch.nn.Conv2d(2, 1, 1, bias=False),
    )
    y, offset = run_trimmed(layers, torch.zeros(1, 1, 20, 30), (3, 5), Sides(top=True, right=True))
    assert tuple(y.shape[-2:]) == (18, 28)
    assert offset == (5, 5)


def test_run_trimmed_refuses_a_convolution_it_cannot_trim():
    layers = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 5, padding=2, bias=False))
    with pytest.raises(ValueError, match="3x3 convolutions with padding 1"):
        run_trimmed(layers, torch.zeros(1, 1, 8, 8), (0, 0), Sides(top=True))


def test_even_crops_to_even_offsets_and_ends():
    h, offset = even(torch.zeros(1, 1, 11, 12), (3, 2))
    assert offset == (4, 2)
    assert tuple(h.shape[-2:]) == (10, 12)


@pytest.mark.parametrize(("scales", "convs"), [(2, 1), (3, 2), (4, 2), (4, 3), (5, 1)])
def test_the_unet_exact_margin_is_what_its_trimmed_pass_drops(scales, convs):
    net = BFUNet(scales=scales, width=2, convs_per_block=convs).eval()
    side = net.downsampling * (2 * net.exact_margin // net.downsampling + 3)
    with torch.inference_mode():
        y, offset = net.forward_trimmed(
            torch.zeros(1, 1, side, side), Sides(True, True, True, True)
        )
    assert offset == (net.exact_margin, net.exact_margin)
    assert tuple(y.shape[-2:]) == (side - 2 * net.exact_margin,) * 2
    assert net.exact_margin <= net.receptive_radius


def test_the_dncnn_exact_margin_is_its_depth():
    assert BFDnCNN(depth=7, width=2).exact_margin == 7
