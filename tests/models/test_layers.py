import torch

from temdenoise.models import BiasFreeBatchNorm2d


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
