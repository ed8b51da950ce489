"""What ``temdenoise info`` reports: versions, compute device, shipped models."""

from __future__ import annotations

import platform

import torch

from temdenoise import __version__
from temdenoise.errors import ModelFileError
from temdenoise.infer.device import describe_device, resolve_device
from temdenoise.models.checkpoint import read_header
from temdenoise.noise.dose import electrons_per_area
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
        p_lo, p_hi = h.trained_pixel_sizes or (h.pixel_size, h.pixel_size)
        e_lo, e_hi = (electrons_per_area(d, h.pixel_size) for d in (lo, hi))
        lines.append(f"  {name:<12} {h.arch}({params})")
        lines.append(
            f"  {'':<12} {p_lo:g}-{p_hi:g} A/px (finer data are binned into it); "
            f"dose {lo:g}-{hi:g} counts/px = {e_lo:.3g}-{e_hi:.3g} e/A^2 at {h.pixel_size:g} A/px"
        )
    return lines
