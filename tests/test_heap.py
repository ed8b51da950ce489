"""Freed memory kept for reuse while networks run, given back afterwards."""

import resource

import pytest
import torch

from temdenoise import _heap
from temdenoise._heap import reuse_freed_memory

pytestmark = pytest.mark.skipif(_heap._glibc() is None, reason="needs glibc")


@pytest.fixture(scope="module")
def call():
    """One forward pass of a small convolutional network (8 MB activations per layer)."""
    torch.manual_seed(0)
    network = torch.nn.Sequential(*[torch.nn.Conv2d(8, 8, 3, padding=1) for _ in range(4)])
    x = torch.rand(1, 8, 512, 512)

    def faults() -> int:
        """Minor page faults the pass takes."""
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        with torch.inference_mode():
            network(x)
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    return faults


def test_activations_reuse_freed_memory_instead_of_faulting_it_in_again(call):
    call()
    plain = sum(call() for _ in range(5))
    with reuse_freed_memory():
        call()  # the first pass maps the memory
        kept = sum(call() for _ in range(5))
    assert plain > 5 * 1000  # every layer's output mapped afresh, page by page
    assert kept < plain / 4


def test_the_defaults_come_back_when_the_outermost_use_ends(call):
    with reuse_freed_memory():
        with reuse_freed_memory():
            call()
        kept = sum(call() for _ in range(5))
    after = sum(call() for _ in range(5))
    assert kept < after / 4
