"""Self-describing model files.

A model file is a safetensors file: the weights (float32, float16 or bfloat16) and
one JSON header stored in the safetensors metadata under the key ``temdenoise``.
The header names the architecture and its parameters, the pixel size and dose range
the model was trained for, the noise model, training provenance, the package
version and a SHA-256 of the weights. Loading parses JSON and raw tensors only: it
never executes code from the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from temdenoise import __version__
from temdenoise._files import default_mode
from temdenoise.errors import ModelFileError
from temdenoise.models import build_model
from temdenoise.models.base import Denoiser

HEADER_KEY = "temdenoise"
WeightsDtype = Literal["float32", "float16", "bfloat16"]
_DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}


class ModelHeader(BaseModel):
    """The JSON header of a model file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["temdenoise-model"] = "temdenoise-model"
    schema_version: Literal[1] = 1
    name: str = ""
    description: str = ""
    arch: str
    arch_params: dict[str, Any]
    pixel_size: float = Field(gt=0, description="angstrom per pixel the model was trained at")
    dose_range: tuple[float, float] = Field(
        description="counts per pixel per frame (vacuum level) the model was trained for"
    )
    noise_model: dict[str, Any] | None = None
    training: dict[str, Any] = Field(default_factory=dict)
    package_version: str = __version__
    created: str = Field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    weights_dtype: WeightsDtype = "float32"
    weights_sha256: str = ""
    bf16_cost_db: float | None = Field(
        default=None,
        description="psnr_count lost when run in bf16 instead of fp32, measured on held-out "
        "images after training (None: not measured; such a model runs in fp32 by default)",
    )

    @field_validator("dose_range")
    @classmethod
    def _check_dose_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 < low <= high:
            raise ValueError(f"dose_range must satisfy 0 < low <= high, got {value}")
        return value

    @property
    def trained_pixel_sizes(self) -> tuple[float, float] | None:
        """Pixel sizes (A/px) the model was trained over, when its training recorded them."""
        span = self.training.get("augment", {}).get("pixel_size_range")
        return (float(span[0]), float(span[1])) if span else None


@dataclass(frozen=True)
class LoadedModel:
    """A network in eval mode together with the header of the file it came from."""

    network: Denoiser
    header: ModelHeader
    path: Path | None = None


def weights_digest(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over names, dtypes, shapes and bytes of ``tensors`` in name order."""
    digest = hashlib.sha256()
    for key in sorted(tensors):
        t = tensors[key].detach().cpu().contiguous()
        digest.update(f"{key}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_model(
    path: str | os.PathLike[str],
    network: Denoiser,
    *,
    pixel_size: float,
    dose_range: tuple[float, float],
    noise_model: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    name: str = "",
    description: str = "",
    weights_dtype: WeightsDtype = "float32",
) -> ModelHeader:
    """Write ``network`` and its header to ``path`` atomically.

    Parameters
    ----------
    path : path-like
        Destination (conventionally ``*.safetensors``). Written to a temporary file
        in the same folder and renamed, so a crash never leaves a half-written file.
    network : Denoiser
        The network; its parameters and buffers are stored.
    pixel_size : float
        Angstrom per pixel of the training images.
    dose_range : (float, float)
        Range of vacuum counts per pixel per frame the model was trained for.
    noise_model, training : dict, optional
        The noise model and training provenance, stored verbatim (JSON).
    name, description : str
        Human-readable identification.
    weights_dtype : {"float32", "float16", "bfloat16"}
        Storage precision of the weights.

    Returns
    -------
    ModelHeader
        The header that was written.

    """
    dtype = _DTYPES[weights_dtype]
    tensors = {
        k: (v.detach().to(dtype) if v.is_floating_point() else v.detach()).cpu().contiguous()
        for k, v in network.state_dict().items()
    }
    header = ModelHeader(
        name=name,
        description=description,
        arch=network.arch,
        arch_params=network.arch_params(),
        pixel_size=pixel_size,
        dose_range=dose_range,
        noise_model=noise_model,
        training=training or {},
        weights_dtype=weights_dtype,
        weights_sha256=weights_digest(tensors),
    )
    _write(Path(path), tensors, header)
    return header


def update_header(path: str | os.PathLike[str], **changes: Any) -> ModelHeader:
    """Rewrite a model file's header with ``changes`` (e.g. a measured ``bf16_cost_db``).

    The weights are copied as stored (their checksum is checked first); the file is
    replaced atomically. The weights' fields (``arch``, ``weights_sha256``, ...) cannot
    be changed this way.

    Raises
    ------
    ModelFileError
        As :func:`load_model`, for a file that does not load.
    ValueError
        For a change to a field that describes the weights.
    """
    frozen = {"format", "schema_version", "arch", "arch_params", "weights_dtype", "weights_sha256"}
    if frozen & changes.keys():
        raise ValueError(f"cannot change {sorted(frozen & changes.keys())} of a model file")
    target = Path(path)
    header, tensors = _read(target, weights=True)
    if weights_digest(tensors) != header.weights_sha256:
        raise ModelFileError(f"{target}: weights do not match their checksum (corrupt file)")
    updated = ModelHeader.model_validate({**header.model_dump(), **changes})
    _write(target, tensors, updated)
    return updated


def _write(target: Path, tensors: dict[str, torch.Tensor], header: ModelHeader) -> None:
    """Write ``tensors`` with ``header`` to ``target`` through a renamed temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={HEADER_KEY: header.model_dump_json()})
        default_mode(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_header(path: str | os.PathLike[str]) -> ModelHeader:
    """Read and validate the header of a model file without loading the weights.

    Raises
    ------
    ModelFileError
        With one line naming the file and the problem.

    """
    header, _ = _read(Path(path), weights=False)
    return header


def load_model(path: str | os.PathLike[str], *, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model file into a float32 network in eval mode on ``device``.

    Raises
    ------
    ModelFileError
        If the file is missing, not a safetensors file (a pickle is refused unread),
        truncated or corrupt, has no or an invalid temdenoise header, or its weights
        do not match the header.

    """
    target = Path(path)
    header, tensors = _read(target, weights=True)
    if weights_digest(tensors) != header.weights_sha256:
        raise ModelFileError(f"{target}: weights do not match their checksum (corrupt file)")
    bad = [k for k, v in tensors.items() if v.is_floating_point() and not v.isfinite().all()]
    if bad:
        raise ModelFileError(f"{target}: weights hold NaN or infinite values ({bad[0]})")
    try:
        with torch.device("meta"):  # the header's shapes first, no memory: it may lie
            shapes = {
                k: tuple(v.shape)
                for k, v in build_model(header.arch, **header.arch_params).state_dict().items()
            }
    except ValueError as exc:
        raise ModelFileError(f"{target}: {exc}") from None
    stored = {k: tuple(v.shape) for k, v in tensors.items()}
    if shapes != stored:
        wrong = sorted(set(shapes) ^ set(stored)) or [k for k in shapes if shapes[k] != stored[k]]
        raise ModelFileError(
            f"{target}: weights do not fit {header.arch} {header.arch_params} as the header "
            f"says ({wrong[0]})"
        )
    network = build_model(header.arch, **header.arch_params)
    state = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelFileError(f"{target}: weights do not fit {header.arch}: {first}") from None
    network.eval().to(device)
    return LoadedModel(network=network, header=header, path=target)


def _read(path: Path, *, weights: bool) -> tuple[ModelHeader, dict[str, torch.Tensor]]:
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    with path.open("rb") as fh:
        magic = fh.read(9)
    # safetensors: an 8-byte header length, then the JSON header's "{" (the length's first
    # byte may be anything, 0x80 included); a pickle starts with 0x80, a zip with "PK"
    safetensors = magic[8:9] == b"{"
    if not safetensors and (magic.startswith(b"PK\x03\x04") or magic[:1] == b"\x80"):
        raise ModelFileError(
            f"{path}: is a pickle or PyTorch checkpoint, not a temdenoise model file "
            "(safetensors); refusing to unpickle it"
        )
    try:
        with safe_open(str(path), framework="pt") as fh:
            metadata = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 if weights else {}
    except (SafetensorError, OSError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(
            f"{path}: not a readable model file (corrupt or truncated safetensors: {detail})"
        ) from None
    if HEADER_KEY not in metadata:
        raise ModelFileError(f"{path}: safetensors file without a temdenoise header (foreign file)")
    try:
        header = ModelHeader.model_validate(json.loads(metadata[HEADER_KEY]))
    except (json.JSONDecodeError, ValidationError) as exc:
        summary = "; ".join(line.strip() for line in str(exc).strip().splitlines()[:3])
        raise ModelFileError(f"{path}: invalid temdenoise header: {summary}") from None
    return header, tensors
