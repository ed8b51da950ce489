"""Clean simulated images for training and validation, read from ``simulate`` datasets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from temdenoise.errors import InputError

FORMAT = "temdenoise-simulated"


@dataclass(frozen=True)
class CleanSet:
    """Clean images of one dataset, scaled so that vacuum reads 1.

    Attributes
    ----------
    path : Path
        The dataset.
    images : torch.Tensor of float32, shape (n, rows, columns)
        Expected counts divided by the dataset's dose.
    pixel_size : float
        Angstrom per pixel.
    fingerprint : str
        SHA-256 (first 16 hex digits) of the images' bytes: which data a model saw.
    movie : bool
        Whether ``images`` are the frames of one movie, in time order.
    """

    path: Path
    images: torch.Tensor
    pixel_size: float
    fingerprint: str
    movie: bool = False


def read_clean(path: str | Path, split: str) -> CleanSet | None:
    """Read the ``split`` images ("train" or "test") of a simulated dataset.

    Returns None when the dataset has no such split (or it is empty).

    Raises
    ------
    InputError
        One line naming the file: missing, not a ``simulate`` dataset, or incomplete.
    """
    import zarr

    target = Path(path)
    if not target.exists():
        raise InputError(f"{target}: training data not found")
    try:
        group = zarr.open_group(target, mode="r")
        attrs: dict[str, Any] = dict(group.attrs)
    except Exception as exc:  # zarr raises several unrelated types for a bad store
        raise InputError(f"{target}: not a Zarr dataset ({type(exc).__name__})") from None
    if attrs.get("format") != FORMAT:
        raise InputError(f"{target}: not a dataset written by 'temdenoise simulate'")
    if not attrs.get("complete", False):
        raise InputError(f"{target}: the dataset is incomplete; rerun its simulate command")
    splits = dict(attrs.get("splits", {}))
    if attrs.get("kind") == "movie" and split == "train":
        splits["train"] = splits.get("movie", [0, 0])
    start, stop = (int(v) for v in splits.get(split, (0, 0)))
    if stop <= start:
        return None
    clean: Any = group["clean"]
    images = np.asarray(clean[start:stop], dtype=np.float32)
    if not np.all(np.isfinite(images)):
        raise InputError(f"{target}: the {split} images hold NaN or infinite values")
    images /= np.float32(attrs["dose"])
    digest = hashlib.sha256(images.tobytes()).hexdigest()[:16]
    movie = attrs.get("kind") == "movie"
    return CleanSet(
        target, torch.from_numpy(images), float(attrs["pixel_size"]), digest, movie=movie
    )
