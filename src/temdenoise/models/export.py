"""Export a model to ONNX, to run where temdenoise is not installed (ONNX Runtime, Fiji, C++).

The exported graph takes counts of shape (batch, in_frames, rows, columns), any frame of at
least the network's downsampling factor a side, and gives the denoised counts (batch, 1,
rows, columns). It does what :func:`temdenoise.infer.apply.denoise` does for one whole
frame: extend it to a multiple of the downsampling factor by reflection, run the network,
crop, and scale the result so that its total equals that of the middle input frame (count
conservation). The model file's header (pixel size, dose
range, provenance) goes into the ONNX metadata. It does not resample: give it frames on the
model's grid (``temdenoise.infer.resample.bin_frames``), or use temdenoise.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from temdenoise._files import default_mode
from temdenoise.errors import ConfigError
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import LoadedModel

OPSET = 18


class Standalone(nn.Module):
    """A network wrapped with the padding, cropping and count conservation of our inference."""

    def __init__(self, network: Denoiser) -> None:
        super().__init__()
        self.network = network
        self.multiple = int(network.downsampling)
        self.middle = int(network.in_frames) // 2

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        """Denoise ``counts`` (batch, in_frames, rows, columns) into (batch, 1, rows, columns)."""
        rows, cols = counts.shape[-2], counts.shape[-1]
        m = self.multiple
        extra_rows, extra_cols = (m - rows % m) % m, (m - cols % m) % m
        padded = F.pad(counts, (0, extra_cols, 0, extra_rows), mode="reflect")
        out = self.network(padded)[..., :rows, :cols]
        total_in = counts[:, self.middle : self.middle + 1].sum(dim=(-2, -1), keepdim=True)
        total_out = out.sum(dim=(-2, -1), keepdim=True)
        ok = (total_in > 0) & (total_out > 0)
        scale = torch.where(ok, total_in / torch.where(ok, total_out, 1.0), 1.0)
        return torch.as_tensor(out * scale)


def export_onnx(model: LoadedModel, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` as an ONNX file at ``path`` (through a temporary file and a rename).

    Raises
    ------
    ConfigError
        When the ONNX exporter (``pip install 'temdenoise[onnx]'``) is missing.
    """
    try:
        import onnx
        import onnxscript  # noqa: F401  (torch's exporter needs it)
    except ImportError:
        raise ConfigError(
            "exporting to ONNX needs the onnx and onnxscript packages: "
            "pip install 'temdenoise[onnx]'"
        ) from None
    target = Path(path)
    network = model.network.float().eval().to("cpu")
    wrapper = Standalone(network).eval()
    side = 4 * wrapper.multiple
    example = torch.ones(1, network.in_frames, side, side)
    dim = torch.export.Dim
    dynamic = {0: dim("batch"), 2: dim("rows", min=wrapper.multiple)}
    dynamic[3] = dim("columns", min=wrapper.multiple)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        with _quiet():
            torch.onnx.export(
                wrapper,
                (example,),
                tmp,
                dynamo=True,
                opset_version=OPSET,
                input_names=["counts"],
                output_names=["denoised"],
                dynamic_shapes=(dynamic,),
                external_data=False,
            )
        graph = onnx.load(tmp)
        h = model.header
        properties = {
            "temdenoise_header": h.model_dump_json(),
            "pixel_size_angstrom": str(h.pixel_size),
            "dose_range_counts_per_pixel": json.dumps(list(h.dose_range)),
            "in_frames": str(network.in_frames),
            "min_frame_side": str(wrapper.multiple),
        }
        onnx.helper.set_model_props(graph, properties)
        graph.doc_string = h.description or h.name
        onnx.save(graph, tmp)
        default_mode(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's progress lines and warnings (torchvision absent, deprecations)."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "onnxscript")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with (
            warnings.catch_warnings(),
            open(os.devnull, "w") as sink,
            contextlib.redirect_stdout(sink),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
