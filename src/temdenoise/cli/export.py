"""The ``temdenoise export`` subcommand: a model as ONNX for other tools."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Register ``export`` on the subcommand parsers ``sub``."""
    ex = sub.add_parser(
        "export",
        help="write a model as ONNX, to run without temdenoise",
        description="Write MODEL (a shipped name or a model file) as an ONNX file that ONNX "
        "Runtime and other tools run without temdenoise: input 'counts' (batch, in_frames, "
        "rows, columns) on the model's pixel grid, output 'denoised' (batch, 1, rows, "
        "columns), with the padding and count conservation of 'temdenoise denoise' built "
        "in and the model's header in the ONNX metadata. Needs the 'onnx' extra.",
    )
    ex.add_argument("model", help="shipped model name or model file")
    ex.add_argument("-o", "--output", type=Path, required=True, help="the .onnx file")
    ex.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Export the model the parsed ``args`` name; print what was written."""
    from temdenoise.errors import ConfigError
    from temdenoise.models.checkpoint import load_model
    from temdenoise.models.export import Standalone, export_onnx
    from temdenoise.pretrained import resolve_model

    if args.output.suffix.lower() != ".onnx":
        raise ConfigError(f"{args.output}: the output must be a .onnx file")
    if not args.output.parent.is_dir():
        raise ConfigError(f"{args.output}: folder {args.output.parent} does not exist")
    model = load_model(resolve_model(args.model))
    path = export_onnx(model, args.output)
    h = model.header
    print(
        f"wrote {path}: {h.name or h.arch}, {model.network.in_frames} frame(s) in, "
        f"{h.pixel_size:g} A/px, frames of {Standalone(model.network).multiple} px a side or more"
    )
    return 0
