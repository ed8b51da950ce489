"""What ``temdenoise info`` reports: versions, compute device, shipped models."""

from __future__ import annotations

import platform

import torch

from temdenoise import __version__
from temdenoise.errors import ModelFileError
from temdenoise.infer.device import describe_device, resolve_device
from temdenoise.models.checkpoint import read_header
from temdenoise.pretrained import shipped_models


def info_lines() -> list[str]:
    """Lines of the ``info`` report."""
    lines = [
        f"temdenoise  {__version__}",
        f"python      {platform.python_version()}",
        f"torch       {torch.__version__}",
        f"device      {describe_device(resolve_device())}",
    ]
    models = shipped_models()
    if not models:
        lines.append("models      none shipped yet")
        return lines
    lines.append("models")
    for name, path in models.items():
        try:
            h = read_header(path)
        except ModelFileError as exc:
            lines.append(f"  {name:<12} unreadable: {exc}")
            continue
        lo, hi = h.dose_range
        params = ", ".join(f"{k}={v}" for k, v in h.arch_params.items())
        lines.append(
            f"  {name:<12} {h.arch}({params}); {h.pixel_size:g} A/px; dose {lo:g}-{hi:g} counts/px"
        )
    return lines
