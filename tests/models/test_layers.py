import pytest
import torch

from temdenoise.models import BFDnCNN, BFUNet, BiasFreeBatchNorm2d
from temdenoise.models.layers import fold_norms, has_norms


def test_training_divides_by_batch_std_without_subtracting_the_mean():
    torch.manual_seed(0)
    bn = BiasFreeBatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]).view(1, 3, 1, 1))
    x = 5.0 + torch.rand(4, 3, 6, 7)
    y = bn.train()(x)
    sd = torch.sqrt(x.var(dim=(0, 2, 3), unbiased=False, keepdim=True) + bn.eps)
    torch.testing.assert_close(y, x * bn.weight / sd)
    assert (y.mean(dim=(0, 2, 3)) > 1).all()  # the mean was kept


def test_running_std_tracks_batches_and_is_used_in_eval():
    bn = BiasFreeBatchNorm2d(2, momentum=0.5)
    x = torch.randn(8, 2, 5, 5) * torch.tensor([2.0, 3.0]).view(1, 2, 1, 1)
    bn.train()(x)
    sd = torch.sqrt(x.var(dim=(0, 2, 3), unbiased=False, keepdim=True) + bn.eps)
    torch.testing.assert_close(bn.running_sd, 0.5 * torch.ones_like(sd) + 0.5 * sd)
    x2 = torch.randn(1, 2, 3, 3)
    torch.testing.assert_close(bn.eval()(x2), x2 / bn.running_sd)


def test_eval_is_linear_and_maps_zero_to_zero():
    bn = BiasFreeBatchNorm2d(4).eval()
    with torch.no_grad():
        bn.running_sd.uniform_(0.5, 2.0)
        bn.weight.uniform_(-1.0, 1.0)
    a, b = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(bn(2.5 * a - b), 2.5 * bn(a) - bn(b))
    assert torch.count_nonzero(bn(torch.zeros(1, 4, 2, 2))) == 0


def _with_trained_norms(network: torch.nn.Module) -> torch.nn.Module:
    """``network`` with norm gains and running deviations as a training leaves them."""
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, BiasFreeBatchNorm2d):
                module.running_sd.uniform_(0.3, 3.0)
                module.weight.uniform_(0.5, 1.5)
    return network


@pytest.mark.parametrize(
    "network",
    [BFDnCNN(depth=5, width=8), BFUNet(scales=3, width=4), BFUNet(scales=2, width=4, in_frames=3)],
    ids=["dncnn", "unet", "unet-3f"],
)
def test_folded_norms_compute_the_same_function_and_leave_the_network_alone(network):
    torch.manual_seed(1)
    network = _with_trained_norms(network).train()
    before = {k: v.clone() for k, v in network.state_dict().items()}
    folded = fold_norms(network)
    assert not folded.training
    assert network.training
    assert not has_norms(folded)
    assert has_norms(network)
    x = torch.rand(2, network.in_frames, 32, 40) * 10
    with torch.no_grad():
        expected = network.eval()(x)
        # float round-off differs (kernels scaled before the sum, not after): relative to the
        # output's scale; a missed or misplaced scale is off by a factor, not 1e-4
        scale = float(expected.abs().max())
        torch.testing.assert_close(folded(x), expected, rtol=1e-4, atol=1e-4 * scale)
    for key, value in network.state_dict().items():
        assert torch.equal(value, before[key]), key
