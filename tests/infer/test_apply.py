"""Exact tiled inference: tiled output equals the whole-frame output."""

import numpy as np
import pytest
import torch

from temdenoise.infer import denoise
from temdenoise.models import BFDnCNN, BFUNet, Denoiser
from tests.conftest import randomize


def rel_diff(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.fixture(scope="module")
def dncnn():
    torch.manual_seed(0)
    return randomize(BFDnCNN())  # the seed network, 20 x 64


@pytest.fixture(scope="module")
def unet():
    torch.manual_seed(0)
    return randomize(BFUNet(scales=4, width=8))


SHAPES_AND_TILES = [
    ((3, 97, 131), 40),  # not multiples of the tile
    ((1, 64, 64), (24, 48)),  # rectangular tiles
    ((2, 1, 50), 16),  # one pixel high
    ((1, 45, 1), 8),  # one pixel wide
    ((2, 5, 7), 64),  # smaller than a tile
]


@pytest.mark.parametrize(("shape", "tile"), SHAPES_AND_TILES)
@pytest.mark.parametrize("name", ["dncnn", "unet"])
def test_tiled_equals_whole_frame(name, shape, tile, request):
    net = request.getfixturevalue(name)
    frames = np.random.default_rng(sum(shape)).poisson(0.45, size=shape).astype(np.float32)
    whole = denoise(frames, net, tile=max(shape), batch_size=2)
    tiled = denoise(frames, net, tile=tile, batch_size=3)
    assert whole.shape == shape
    assert whole.dtype == np.float32
    assert np.abs(whole).max() > 0
    assert rel_diff(tiled, whole) < 1e-4


def test_tiled_equals_whole_frame_on_every_device(unet, device):
    frames = np.random.default_rng(3).poisson(2.0, size=(2, 83, 71)).astype(np.float32)
    whole = denoise(frames, unet, tile=None, device=device)
    tiled = denoise(frames, unet, tile=16, device=device)
    assert rel_diff(tiled, whole) < 1e-4


class Overconfident(BFDnCNN):
    @property
    def receptive_radius(self):
        return 4


def test_a_halo_smaller_than_the_receptive_field_would_show_seams(dncnn):
    class Untrimmed(Overconfident):  # the whole window computed, as a plain forward pass
        forward_trimmed = Denoiser.forward_trimmed

    liar = Untrimmed()
    liar.load_state_dict(dncnn.state_dict())
    frames = np.random.default_rng(0).poisson(0.45, size=(60, 60)).astype(np.float32)
    assert rel_diff(denoise(frames, dncnn, tile=16), denoise(frames, dncnn, tile=None)) < 1e-4
    whole = denoise(frames, liar.eval(), tile=None)
    assert rel_diff(denoise(frames, liar.eval(), tile=16), whole) > 1e-3


def test_a_network_trimming_more_than_its_stated_radius_is_refused(dncnn):
    liar = Overconfident()
    liar.load_state_dict(dncnn.state_dict())
    frames = np.zeros((60, 60), dtype=np.float32)
    with pytest.raises(ValueError, match="understates its receptive radius"):
        denoise(frames, liar.eval(), tile=16)


def test_halo_below_the_receptive_radius_is_refused(dncnn):
    with pytest.raises(ValueError, match="less than the 20 px the network needs"):
        denoise(np.zeros((8, 8)), dncnn, tile=4, halo=19)


def test_larger_halo_gives_the_same_result(unet):
    frames = np.random.default_rng(1).poisson(1.0, size=(50, 70))
    base = denoise(frames, unet, tile=None)
    assert rel_diff(denoise(frames, unet, tile=24, halo=80), base) < 1e-4


def test_single_frame_in_single_frame_out_and_integer_input(dncnn):
    counts = np.random.default_rng(2).poisson(0.45, size=(30, 40)).astype(np.uint16)
    out = denoise(counts, dncnn)
    assert out.shape == (30, 40)
    np.testing.assert_array_equal(out, denoise(counts.astype(np.float32)[None], dncnn)[0])


def test_multi_frame_network_sees_reflected_windows():
    torch.manual_seed(0)
    net = randomize(BFUNet(scales=2, width=4, in_frames=3))
    frames = np.random.default_rng(4).poisson(1.0, size=(4, 24, 32)).astype(np.float32)
    out = denoise(frames, net, tile=8, batch_size=5)
    windows = [[1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 2]]
    with torch.no_grad():  # the frames' sides are multiples of the downsampling factor, 2
        expected = [net(torch.from_numpy(frames[w][None]))[0, 0] for w in windows]
    assert rel_diff(out, np.stack(expected)) < 1e-4


def test_progress_reports_tiles_and_train_mode_is_restored():
    net = BFDnCNN(depth=3, width=4).train()
    calls = []
    denoise(np.ones((2, 20, 20)), net, tile=10, batch_size=3, progress=lambda *a: calls.append(a))
    assert calls == [(3, 8), (6, 8), (8, 8)]
    assert net.training


def test_result_does_not_depend_on_batch_size(unet):
    frames = np.random.default_rng(5).poisson(0.45, size=(3, 40, 40))
    a = denoise(frames, unet, tile=16, batch_size=1)
    b = denoise(frames, unet, tile=16, batch_size=7)
    assert rel_diff(a, b) < 1e-5


@pytest.mark.parametrize(
    ("frames", "kwargs", "message"),
    [
        (np.zeros(5), {}, r"must have shape \(rows, columns\) or \(frames, rows, columns\)"),
        (np.zeros((2, 0, 4)), {}, "frames are empty"),
        (np.zeros((4, 4), dtype=complex), {}, "must be real numbers"),
        (np.array([[0.0, np.nan]]), {}, "frame 0 contains NaN or infinite values"),
        (np.zeros((4, 4)), {"batch_size": 0}, "batch_size must be >= 1"),
        (np.zeros((4, 4)), {"precision": "fp8"}, "precision must be auto, fp32 or bf16"),
    ],
)
def test_bad_input_is_refused(frames, kwargs, message):
    with pytest.raises(ValueError, match=message):
        denoise(frames, BFDnCNN(depth=2, width=2), **kwargs)


def test_bf16_autocast_is_close_to_fp32_and_deterministic(unet, device):
    frames = np.random.default_rng(6).poisson(0.45, size=(2, 128, 128)).astype(np.float32)
    fp32 = denoise(frames, unet, device=device)
    bf16 = denoise(frames, unet, device=device, precision="bf16")
    assert 0 < rel_diff(bf16, fp32) < 5e-2
    np.testing.assert_array_equal(bf16, denoise(frames, unet, device=device, precision="bf16"))


def test_each_denoised_frame_keeps_its_input_counts(unet):
    frames = np.random.default_rng(7).poisson(3.0, size=(3, 48, 40)).astype(np.float32)
    out = denoise(frames, unet)
    np.testing.assert_allclose(out.sum(axis=(1, 2)), frames.sum(axis=(1, 2)), rtol=1e-5)
    raw = denoise(frames, unet, conserve_counts=False)
    scale = frames.sum(axis=(1, 2)) / raw.sum(axis=(1, 2))
    np.testing.assert_allclose(out, raw * scale[:, None, None], rtol=1e-5, atol=1e-6)
    signed = frames - 10.0  # not counts: a negative total is left alone
    np.testing.assert_array_equal(
        denoise(signed, unet), denoise(signed, unet, conserve_counts=False)
    )
