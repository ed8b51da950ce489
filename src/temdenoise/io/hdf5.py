"""HDF5 files (h5py): a named dataset, or the only 2-D/3-D one.

HyperSpy files (``file_format = HyperSpy``) are read through RosettaSciIO, except our own
outputs, whose movie and metadata are read directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.errors import InputError
from temdenoise.io.base import ArraySource
from temdenoise.io.metadata import Metadata, jsonable

SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs", ".hspy")

OWN = "Experiments/denoised/data"
"""Where temdenoise's own HDF5 outputs hold the movie (see ``io.writers.write_hdf5``)."""


def open_hdf5(path: Path, *, dataset: str | None = None) -> ArraySource:
    """Open dataset ``dataset`` (or the only image-like one) of an HDF5 file, lazily."""
    import h5py

    try:
        h5 = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable HDF5 file ({exc})") from None
    try:
        own = OWN in h5 and "temdenoise_metadata" in h5[OWN].attrs
        if str(h5.attrs.get("file_format", "")) == "HyperSpy" and dataset is None and not own:
            h5.close()
            from temdenoise.io.rosetta import open_rosetta

            return open_rosetta(path, plugin="rsciio.hspy")
        ds = _choose(path, h5, OWN if own and not dataset else dataset)
        attrs = {k: jsonable(v) for k, v in ds.attrs.items()}
        ours = attrs.get("temdenoise_metadata")
        if isinstance(ours, str):
            import json

            metadata = Metadata.from_dict(json.loads(ours)).with_(format="hdf5", source=str(path))
        else:
            metadata = Metadata(
                format="hdf5", source=str(path), original={"dataset": ds.name, "attrs": attrs}
            )
        return ArraySource(path, ds, metadata, closer=h5.close)
    except Exception:
        h5.close()
        raise


def _choose(path: Path, h5: Any, name: str | None) -> Any:
    import h5py

    if name is not None:
        obj = h5.get(name)
        if not isinstance(obj, h5py.Dataset):
            raise InputError(f"{path}: no dataset named {name!r}")
        return obj
    found: list[Any] = []

    def visit(_: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and obj.ndim in (2, 3) and _numeric(obj.dtype):
            found.append(obj)

    h5.visititems(visit)
    if not found:
        raise InputError(f"{path}: holds no 2-D or 3-D numeric dataset")
    if len(found) > 1:
        names = ", ".join(d.name for d in found[:6])
        raise InputError(f"{path}: holds several datasets ({names}); choose one with --dataset")
    return found[0]


def _numeric(dtype: np.dtype[Any]) -> bool:
    return bool(np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating))
