"""What ``temdenoise info`` reports: versions, compute device, shipped models."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import torch

from temdenoise import __version__
from temdenoise.errors import ModelFileError
from temdenoise.infer.device import describe_device, resolve_device
from temdenoise.models.checkpoint import read_header
from temdenoise.noise.dose import counts_verdict, describe_dose, electrons_per_area
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


def file_lines(path: Path, *, dataset: str | None = None) -> list[str]:
    """Lines of ``temdenoise info FILE``: what the movie is, its dose, which models cover it.

    Reads the metadata and the first frame only.
    """
    from temdenoise.infer.resample import SamplingError, resample_factor
    from temdenoise.io import open_source

    with open_source(path, dataset=dataset) as source:
        n, rows, cols = source.shape
        meta = source.metadata
        first = np.asarray(source.read(0, 1), dtype=np.float64)[0]
        dtype = source.dtype
    lines = [
        f"file        {path}",
        f"format      {meta.format}" + (f" ({meta.instrument})" if meta.instrument else ""),
        f"movie       {n} frames of {rows} x {cols} px, {dtype}",
        "pixel size  "
        + (f"{meta.pixel_size:.4g} A/px" if meta.pixel_size else "unknown (give --pixel-size)"),
    ]
    if meta.frame_time:
        lines.append(f"frame time  {meta.frame_time * 1e3:.4g} ms ({1 / meta.frame_time:.4g} fps)")
    mean = float(first.mean())
    lines.append(f"dose        frame 1: {describe_dose(mean, meta.pixel_size)}")
    lines.append(f"counts      {counts_verdict(first)}")
    for name, model in shipped_models().items():
        try:
            h = read_header(model)
        except ModelFileError:
            continue
        try:
            factor = resample_factor(meta.pixel_size, h.pixel_size, h.trained_pixel_sizes)
        except SamplingError as exc:
            lines.append(f"{name:<12}refused: {exc} (--no-resample denoises on its own grid)")
            continue
        if factor is None:
            grid = "on its own grid" + ("" if meta.pixel_size else " (pixel size assumed)")
            lines.append(f"{name:<12}covers it: denoised {grid}")
        else:
            grid_dose = mean / factor**2
            lo, hi = h.dose_range
            outside = "" if lo <= grid_dose <= hi else f"; outside its trained {lo:g}-{hi:g}"
            grid_ps = None if meta.pixel_size is None else meta.pixel_size / factor
            lines.append(
                f"{name:<12}covers it: binned {1 / factor:.3g} x {1 / factor:.3g} to "
                f"{describe_dose(grid_dose, grid_ps)}{outside}"
            )
    return lines
