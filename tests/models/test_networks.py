"""Properties every bias-free network must have."""

import pytest
import torch

from temdenoise.models import BFDnCNN, BFUNet, build_model
from tests.conftest import randomize

NETWORKS = {
    "dncnn-direct": lambda k: BFDnCNN(depth=6, width=8, in_frames=k),
    "dncnn-residual": lambda k: BFDnCNN(depth=6, width=8, in_frames=k, residual=True),
    "unet-4": lambda k: BFUNet(scales=4, width=8, in_frames=k),
    "unet-2-residual": lambda k: BFUNet(scales=2, width=4, in_frames=k, residual=True),
    "unet-6": lambda k: BFUNet(scales=6, width=4, convs_per_block=1, in_frames=k),
}


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("in_frames", [1, 3])
@pytest.mark.parametrize("scale", [0.37, 6.0])
def test_eval_mode_is_positively_homogeneous(name, in_frames, scale, device):
    torch.manual_seed(1)
    net = randomize(NETWORKS[name](in_frames)).to(device)
    x = torch.rand(2, in_frames, 64, 64, device=device) * 3.0
    with torch.no_grad():
        fx = net(x)
        fax = net(scale * x)
    assert fx.shape == (2, 1, 64, 64)
    assert fx.abs().max() > 0
    torch.testing.assert_close(fax, scale * fx, rtol=1e-4, atol=1e-5 * float(fax.abs().max()))


@pytest.mark.parametrize("name", NETWORKS)
def test_zero_in_zero_out(name):
    net = randomize(NETWORKS[name](1))
    with torch.no_grad():
        assert torch.count_nonzero(net(torch.zeros(1, 1, 32, 32))) == 0


@pytest.mark.parametrize("name", NETWORKS)
def test_no_parameter_is_a_bias(name):
    net = NETWORKS[name](1)
    for module in net.modules():
        assert getattr(module, "bias", None) is None


@pytest.mark.parametrize("name", NETWORKS)
def test_output_does_not_depend_on_the_number_of_cpu_threads(name):
    torch.manual_seed(0)
    net = randomize(NETWORKS[name](3))
    x = torch.rand(3, 3, 64, 96)
    threads = torch.get_num_threads()
    try:
        with torch.no_grad():
            torch.set_num_threads(2)
            a = net(x)
            torch.set_num_threads(1)
            b = net(x)
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(a, b)


def test_seed_network_defaults():
    net = BFDnCNN()
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 20
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert {c.out_channels for c in convs[:-1]} == {64}
    assert net.receptive_radius == 20  # a 41 px receptive field
    assert net.downsampling == 1
    assert not net.residual


def test_residual_output_is_middle_frame_minus_prediction():
    torch.manual_seed(0)
    net = randomize(BFDnCNN(depth=3, width=4, in_frames=3, residual=True))
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(net(x), x[:, 1:2] - net.body(x))


@pytest.mark.parametrize("scales", [2, 3, 4, 5, 6])
def test_unet_downsampling_factor(scales):
    assert BFUNet(scales=scales, width=2).downsampling == 2 ** (scales - 1)


def test_unet_refuses_input_not_aligned_to_downsampling():
    net = BFUNet(scales=3, width=2).eval()
    with pytest.raises(ValueError, match="multiple of the UNet's downsampling factor 4"):
        net(torch.zeros(1, 1, 30, 32))


@pytest.mark.parametrize(
    ("arch", "params", "message"),
    [
        ("resnet", {}, "unknown architecture 'resnet'"),
        ("dncnn", {"depth": 1}, "depth must be >= 2"),
        ("dncnn", {"in_frames": 2}, "in_frames must be a positive odd number"),
        ("unet", {"scales": 7}, "scales must be 2 to 6"),
        ("unet", {"colour": True}, "invalid parameters for 'unet'"),
    ],
)
def test_build_model_refuses_bad_parameters(arch, params, message):
    with pytest.raises(ValueError, match=message):
        build_model(arch, **params)


@pytest.mark.parametrize("arch", ["dncnn", "unet"])
def test_build_model_round_trips_arch_params(arch):
    net = build_model(arch, width=4, in_frames=3)
    again = build_model(arch, **net.arch_params())
    assert again.arch_params() == net.arch_params()
