"""Choice of compute device and of the precision a model runs in there."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Literal

import torch

from temdenoise.errors import ConfigError

if TYPE_CHECKING:
    from temdenoise.models.checkpoint import ModelHeader


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Return ``device``, or the first CUDA GPU when there is one and the CPU otherwise.

    Raises
    ------
    ConfigError
        An unknown device, or a GPU this machine does not have (one line).
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ConfigError(f"--device {device}: unknown device (use cpu, cuda or cuda:N)") from None
    if resolved.type not in ("cpu", "cuda"):
        raise ConfigError(f"--device {device}: not supported (use cpu, cuda or cuda:N)")
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: CUDA is not available on this machine (use cpu)")
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ConfigError(
            f"--device {device}: this machine has {torch.cuda.device_count()} CUDA device(s)"
        )
    return resolved


def describe_device(device: torch.device) -> str:
    """One line naming the device: the GPU model and memory, or the CPU thread count."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return f"cuda:{index} ({props.name}, {props.total_memory / 2**30:.0f} GiB)"
    threads = torch.get_num_threads()
    return f"cpu ({threads} thread{'s' if threads != 1 else ''})"


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Tell whether this CPU computes bfloat16 natively (AMX-BF16 or AVX512-BF16 flags)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


BF16_TOLERANCE_DB = 0.05
"""The most psnr_count a model may lose in bf16 for ``precision="auto"`` to choose bf16."""


def choose_precision(
    requested: str, header: ModelHeader | None, device: torch.device
) -> Literal["fp32", "bf16"]:
    """Choose the precision to run a model in: ``requested`` unless it is ``"auto"``.

    ``"auto"`` is bf16 where the device computes it natively (:func:`fast_bf16`) and the
    model's header records a measured bf16 cost below :data:`BF16_TOLERANCE_DB`; fp32
    otherwise (a model without that measurement, or a bare network without a header).
    """
    if requested in ("fp32", "bf16"):
        return "bf16" if requested == "bf16" else "fp32"
    if requested != "auto":
        raise ValueError(f"precision must be auto, fp32 or bf16, not {requested!r}")
    cost = None if header is None else header.bf16_cost_db
    cheap = cost is not None and cost < BF16_TOLERANCE_DB
    return "bf16" if cheap and fast_bf16(device) else "fp32"


def fast_bf16(device: torch.device) -> bool:
    """Tell whether bfloat16 autocast pays on ``device``: a CUDA GPU or a native-bf16 CPU."""
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16())


def host_threads(device: torch.device) -> int:
    """Threads for the host's per-frame work (binning, enlarging) beside the network.

    The cores this process may use, less those the network occupies: on a CPU torch's
    threads, on a GPU the one thread that feeds it. At least one.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    busy = torch.get_num_threads() if device.type == "cpu" else 1
    return max(1, cores - busy)
