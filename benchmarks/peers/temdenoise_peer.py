"""temdenoise's own shipped models, run as a peer like the others."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from common import Result

if TYPE_CHECKING:
    from temdenoise.models.checkpoint import LoadedModel


class Unavailable(RuntimeError):
    """A method that cannot run here; the message says why."""


def load(name: str) -> LoadedModel:
    """Load a shipped model by name; :class:`Unavailable` when none of that name is shipped."""
    from temdenoise.errors import ModelFileError
    from temdenoise.models.checkpoint import load_model
    from temdenoise.pretrained import resolve_model

    try:
        return load_model(resolve_model(name), device="cpu")
    except ModelFileError as error:
        raise Unavailable(str(error)) from error


def run(
    model: LoadedModel, noisy: np.ndarray, *, movie: bool, pixel_size: float | None = None
) -> Result:
    """Denoise ``noisy`` (counts, shape (images, rows, columns)) on the CPU.

    With ``pixel_size`` (angstrom per pixel of ``noisy``) it goes the way of ``temdenoise
    denoise --pixel-size``: binned by area onto the model's grid and enlarged back. A
    multi-frame model sees the neighbouring frames of a movie; independent test images are
    not a movie, so it is refused there.
    """
    import torch

    import temdenoise
    from temdenoise.infer.device import choose_precision

    frames = model.network.in_frames
    if frames > 1 and not movie:
        raise Unavailable(f"takes {frames} consecutive frames; these images are not a movie")
    precision = choose_precision("auto", model.header, torch.device("cpu"))  # the default's
    started = time.perf_counter()
    estimate = temdenoise.denoise(
        noisy, model, pixel_size=pixel_size, device="cpu", precision=precision
    )
    note = f"{model.header.arch}, {precision}"
    return Result(estimate, time.perf_counter() - started, note=note)
