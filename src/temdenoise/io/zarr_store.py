"""Zarr arrays and groups (our own outputs: a group with a ``frames`` array)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.metadata import Metadata, jsonable


def open_zarr(path: Path, *, dataset: str | None = None) -> ArraySource:
    """Open a Zarr array, or array ``dataset`` (default ``frames``) of a Zarr group, read-only."""
    import zarr

    try:
        node = zarr.open(store=str(path), mode="r")
    except Exception as exc:  # zarr raises several kinds for a broken store
        raise InputError(
            f"{path}: not a readable Zarr store ({type(exc).__name__}: {exc})"
        ) from None
    array: Any = node
    if isinstance(node, zarr.Group):
        names = sorted(name for name, _ in node.arrays())
        name = dataset or ("frames" if "frames" in names else names[0] if len(names) == 1 else None)
        if name is None or name not in names:
            listed = ", ".join(names) or "none"
            raise InputError(f"{path}: choose an array with --dataset (arrays: {listed})")
        array = node[name]
    attrs = {**dict(node.attrs), **dict(array.attrs)}
    ours = attrs.get("temdenoise", {})
    if isinstance(ours, dict) and "metadata" in ours:
        metadata = Metadata.from_dict(ours["metadata"]).with_(format="zarr", source=str(path))
    else:
        metadata = Metadata(format="zarr", source=str(path), original=jsonable(attrs))
    return ArraySource(path, array, metadata)
