from __future__ import annotations

import pytest
import torch

from temdenoise.models.layers import BiasFreeBatchNorm2d
from temdenoise.train.average import WeightAverage


def _network() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, bias=False), BiasFreeBatchNorm2d(2))


def _set(network: torch.nn.Module, value: float) -> None:
    with torch.no_grad():
        for p in network.parameters():
            p.fill_(value)


def test_the_average_of_unchanging_weights_is_those_weights() -> None:
    network = _network()
    _set(network, 0.3)
    average = WeightAverage(network, 0.99)
    for _ in range(3):  # far fewer steps than 1 / (1 - decay): the correction matters
        average.update(network)
    for key, value in average.weights(network).items():
        assert torch.allclose(value, network.state_dict()[key]), key


def test_weights_later_steps_by_the_decay() -> None:
    network = _network()
    average = WeightAverage(network, 0.5)
    _set(network, 1.0)
    average.update(network)
    _set(network, 4.0)
    average.update(network)
    weight = average.weights(network)["0.weight"]
    assert torch.allclose(weight, torch.full_like(weight, (0.5 * 1.0 + 4.0) / 1.5))


def test_the_averaged_copy_leaves_the_network_alone() -> None:
    network = _network().train()
    average = WeightAverage(network, 0.5)
    _set(network, 1.0)
    average.update(network)
    _set(network, 2.0)
    averaged = average.averaged(network)
    assert averaged is not network
    assert not averaged.training
    assert network.training
    assert float(averaged[0].weight.detach().flatten()[0]) == 1.0
    assert float(network[0].weight.detach().flatten()[0]) == 2.0


def test_continues_from_its_state() -> None:
    network = _network()
    first = WeightAverage(network, 0.9)
    _set(network, 1.0)
    first.update(network)
    second = WeightAverage(network, 0.9)
    second.load_state_dict(first.state_dict())
    _set(network, 3.0)
    first.update(network)
    second.update(network)
    a, b = first.weights(network), second.weights(network)
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="another decay"):
        WeightAverage(network, 0.5).load_state_dict(first.state_dict())


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.1])
def test_a_decay_outside_the_open_unit_interval_is_refused(decay: float) -> None:
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(_network(), decay)
