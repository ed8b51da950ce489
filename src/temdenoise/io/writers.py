"""Finished movies in TIFF, HDF5 (HyperSpy layout) and MRC, from a complete Zarr staging array.

Each writer streams frame by frame into ``<output>.tmp`` and renames it over the output
only once it is complete, so an output file never exists half-written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.io.metadata import dumps

FORMATS = {
    ".zarr": "zarr",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".hspy": "hdf5",
    ".mrc": "mrc",
}
"""Output formats by extension."""


def write_tiff(path: Path, frames: Any, attrs: dict[str, Any]) -> None:
    """BigTIFF, one page per frame, the JSON ``attrs`` in the first page's description.

    The pixel size is written twice: as the TIFF resolution (pixels per centimetre) and as
    DigitalMicrograph's private tags (65003/65004 units, 65009/65010 scales in nm), which
    HyperSpy (RosettaSciIO) and DigitalMicrograph read as the axes' calibration.
    """
    import tifffile

    pixel_size = attrs.get("metadata", {}).get("pixel_size")
    resolution = None
    extratags: list[tuple[int, str, int, Any, bool]] = []
    if pixel_size:
        per_cm = 1e8 / float(pixel_size)
        resolution = (per_cm, per_cm)
        nm = float(pixel_size) / 10.0
        extratags = [
            (65003, "s", 3, "nm", False),  # x unit
            (65004, "s", 3, "nm", False),  # y unit
            (65006, "d", 1, 0.0, False),  # x origin
            (65007, "d", 1, 0.0, False),  # y origin
            (65009, "d", 1, nm, False),  # x scale
            (65010, "d", 1, nm, False),  # y scale
        ]
    with tifffile.TiffWriter(path, bigtiff=True) as tw:
        for i in range(frames.shape[0]):
            tw.write(
                np.asarray(frames[i], dtype=np.float32),
                contiguous=True,
                description=json.dumps({"temdenoise": attrs}) if i == 0 else None,
                resolution=resolution if i == 0 else None,
                resolutionunit="CENTIMETER" if resolution and i == 0 else None,
                extratags=extratags if i == 0 else (),
                metadata=None,
            )


HSPY_GROUP = "Experiments/denoised"
"""Where :func:`write_hdf5` puts the movie (its ``data``, ``axis-N``, ``metadata`` groups)."""


def write_hdf5(path: Path, frames: Any, attrs: dict[str, Any]) -> None:
    """Write a HyperSpy (``.hspy``, format 3.3) file that h5py and RosettaSciIO both read.

    The movie is ``Experiments/denoised/data`` (float32, one frame per chunk) carrying the
    JSON ``attrs`` as attributes; ``axis-0..2`` give HyperSpy the calibration (seconds per
    frame, nm per pixel) so ``hs.load`` returns a calibrated stack of 2-D signals, and the
    provenance is in its ``original_metadata``.
    """
    import h5py

    metadata = attrs.get("metadata", {})
    provenance = attrs.get("provenance", {})
    pixel = metadata.get("pixel_size")
    frame_time = metadata.get("frame_time")
    axes = [
        ("time", float(frame_time or 1.0), "s" if frame_time else "", True),
        ("y", float(pixel) / 10 if pixel else 1.0, "nm" if pixel else "", False),
        ("x", float(pixel) / 10 if pixel else 1.0, "nm" if pixel else "", False),
    ]
    with h5py.File(path, "w") as h5:
        h5.attrs["file_format"] = "HyperSpy"
        h5.attrs["file_format_version"] = "3.3"
        group = h5.create_group(HSPY_GROUP)
        ds = group.create_dataset(
            "data", shape=frames.shape, dtype=np.float32, chunks=(1, *frames.shape[1:])
        )
        for i in range(frames.shape[0]):
            ds[i] = np.asarray(frames[i], dtype=np.float32)
        ds.attrs["temdenoise_metadata"] = dumps(metadata)
        ds.attrs["temdenoise_provenance"] = dumps(provenance)
        ds.attrs["axes"] = ["frame", "row", "column"]
        for i, (name, scale, units, navigate) in enumerate(axes):
            axis = group.create_group(f"axis-{i}")
            axis.attrs.update(
                {"name": name, "scale": scale, "offset": 0.0, "units": units,
                 "size": int(frames.shape[i]), "navigate": navigate}
            )  # fmt: skip
        general = group.create_group("metadata/General")
        general.attrs["title"] = "denoised"
        if metadata.get("source"):
            general.attrs["original_filename"] = Path(str(metadata["source"])).name
        signal = group.create_group("metadata/Signal")
        signal.attrs["signal_type"] = ""
        signal.attrs["quantity"] = "Expected counts (electrons per pixel)"
        original = group.create_group("original_metadata")
        original.attrs["temdenoise_provenance"] = dumps(provenance)


def write_mrc(path: Path, frames: Any, attrs: dict[str, Any]) -> None:
    """MRC mode 2 (float32) image stack.

    The pixel size goes in the header, the JSON ``attrs`` in the extended header (type
    ``JSON``).
    """
    import mrcfile

    extended = np.frombuffer(json.dumps({"temdenoise": attrs}).encode(), dtype="V1")
    with mrcfile.new_mmap(path, shape=frames.shape, mrc_mode=2, overwrite=True) as mrc:
        for i in range(frames.shape[0]):
            mrc.data[i] = np.asarray(frames[i], dtype=np.float32)
        mrc.header.ispg = 0  # an image stack, not a volume
        pixel_size = attrs.get("metadata", {}).get("pixel_size")
        if pixel_size:
            mrc.voxel_size = (pixel_size, pixel_size, 1.0)
        mrc.set_extended_header(extended)
        mrc.header.exttyp = b"JSON"
        mrc.update_header_stats()
        version = attrs.get("provenance", {}).get("package_version", "")
        mrc.add_label(f"temdenoise {version}: denoised"[:80])


def ome_zarr_attrs(metadata: dict[str, Any]) -> dict[str, Any]:
    """OME-NGFF 0.5 attributes for a Zarr v3 output whose array ``frames`` is (t, y, x).

    napari and other OME-Zarr viewers show the movie to scale: angstrom per pixel and, when
    known, seconds per frame.
    """
    pixel = metadata.get("pixel_size")
    frame_time = metadata.get("frame_time")
    time_axis: dict[str, Any] = {"name": "t", "type": "time"}
    if frame_time:
        time_axis["unit"] = "second"
    space = [{"name": name, "type": "space"} for name in ("y", "x")]
    if pixel:
        for axis in space:
            axis["unit"] = "angstrom"
    scale = [float(frame_time or 1.0), float(pixel or 1.0), float(pixel or 1.0)]
    return {
        "version": "0.5",
        "multiscales": [
            {
                "name": "denoised",
                "axes": [time_axis, *space],
                "datasets": [
                    {
                        "path": "frames",
                        "coordinateTransformations": [{"type": "scale", "scale": scale}],
                    }
                ],
            }
        ],
    }


WRITERS: dict[str, Callable[[Path, Any, dict[str, Any]], None]] = {
    "tiff": write_tiff,
    "hdf5": write_hdf5,
    "mrc": write_mrc,
}


def export(staged: Any, output: Path, fmt: str, attrs: dict[str, Any]) -> None:
    """Write ``staged`` frames to ``output`` in ``fmt`` via a temporary file and a rename."""
    tmp = output.with_name(output.name + ".tmp")
    try:
        WRITERS[fmt](tmp, staged, attrs)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_attrs(path: Path, fmt: str) -> dict[str, Any] | None:
    """Return the ``temdenoise`` attributes of a finished output, or None if it has none."""
    try:
        if fmt == "zarr":
            import zarr

            stored = zarr.open_group(store=str(path), mode="r").attrs.get("temdenoise")
            return dict(stored) if isinstance(stored, dict) else None
        if fmt == "tiff":
            import tifffile

            with tifffile.TiffFile(path) as tif:
                description = getattr(tif.pages[0], "description", "") or "{}"
                found = json.loads(description).get("temdenoise")
                return found if isinstance(found, dict) else None
        if fmt == "hdf5":
            import h5py

            with h5py.File(path, "r") as h5:
                ds = h5[f"{HSPY_GROUP}/data"] if HSPY_GROUP in h5 else h5["frames"]
                return {
                    "metadata": json.loads(ds.attrs["temdenoise_metadata"]),
                    "provenance": json.loads(ds.attrs["temdenoise_provenance"]),
                }
        if fmt == "mrc":
            import mrcfile

            with mrcfile.open(path, mode="r", header_only=False, permissive=True) as mrc:
                found = json.loads(mrc.extended_header.tobytes().decode()).get("temdenoise")
                return found if isinstance(found, dict) else None
    except Exception:  # anything unreadable is not ours
        return None
    return None
