"""The device and the precision a model runs in there."""

import pytest
import torch

from temdenoise.infer import device as device_module
from temdenoise.infer.device import BF16_TOLERANCE_DB, choose_precision, host_threads
from temdenoise.models.checkpoint import read_header


@pytest.fixture
def native(monkeypatch):
    """Set whether this CPU computes bf16 natively."""

    def set_native(value: bool) -> None:
        monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: value)

    return set_native


@pytest.mark.parametrize(
    ("cost", "native_bf16", "expected"),
    [
        (0.01, True, "bf16"),
        (0.01, False, "fp32"),  # a CPU that would emulate bf16: slower, so fp32
        (BF16_TOLERANCE_DB, True, "fp32"),  # at the tolerance: too costly
        (0.2, True, "fp32"),
        (None, True, "fp32"),  # never measured
    ],
)
def test_auto_takes_bf16_only_where_it_is_native_and_measured_cheap(
    model_file, native, cost, native_bf16, expected
):
    native(native_bf16)
    header = read_header(model_file).model_copy(update={"bf16_cost_db": cost})
    assert choose_precision("auto", header, torch.device("cpu")) == expected


def test_an_explicit_precision_is_kept_and_a_bare_network_runs_in_fp32(model_file, native):
    native(True)
    header = read_header(model_file).model_copy(update={"bf16_cost_db": 0.2})
    assert choose_precision("bf16", header, torch.device("cpu")) == "bf16"
    assert choose_precision("fp32", header, torch.device("cpu")) == "fp32"
    assert choose_precision("auto", None, torch.device("cpu")) == "fp32"
    with pytest.raises(ValueError, match="fp16"):
        choose_precision("fp16", header, torch.device("cpu"))


def test_host_threads_are_the_cores_the_network_leaves(monkeypatch) -> None:
    monkeypatch.setattr(device_module.os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(torch, "get_num_threads", lambda: 12)
    assert host_threads(torch.device("cpu")) == 4
    assert host_threads(torch.device("cuda")) == 15  # one thread feeds the GPU
    monkeypatch.setattr(torch, "get_num_threads", lambda: 16)
    assert host_threads(torch.device("cpu")) == 1
