"""A resumable output: frames are written into a Zarr v3 group at ``<output>.partial``.

Blocks of frames are written and flushed to disk (fsync), then marked done by creating an
empty marker file (also flushed), so a block counts only once it is durably written. A
rerun with the same job key continues with the blocks not yet marked; a different key is
refused unless ``overwrite``. The staging group is built under a temporary name and renamed
into place, so a kill while it is being created leaves nothing a rerun trips on. When every
block is done, the staging group becomes the output (Zarr: marked complete, flushed,
renamed) or is exported to it (TIFF, HDF5, MRC) through a temporary file, flushed, and a
rename: the output path holds a complete result or nothing. One process at a time writes
an output: a second run on it is refused while the first holds ``<output>.lock``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.errors import InputError, OutputError
from temdenoise.io.metadata import jsonable
from temdenoise.io.writers import FORMATS, export, ome_zarr_attrs, read_attrs

PROGRESS = ".temdenoise-progress"
FREE_MARGIN = 64 << 20
"""Bytes kept free beyond an exported output's size before the export starts."""


def output_format(path: Path) -> str:
    """Format of an output path from its extension; InputError for an unsupported one."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unsupported output format {path.suffix or '(no extension)'!r} "
            f"(use one of {', '.join(sorted(FORMATS))})"
        )
    return fmt


class Staging:
    """The frames of one denoise job on their way to ``output``.

    Parameters
    ----------
    output : Path
        Final output path; its extension picks the format.
    shape : (int, int, int)
        (frames, rows, columns) of the output.
    key : str
        Identity of the job (input, model, parameters). An existing output or staging
        with another key is refused unless ``overwrite``.
    attrs : dict
        ``{"metadata": ..., "provenance": ...}`` stored with the output.
    overwrite : bool
        Replace an existing output or staging of another job.
    """

    def __init__(
        self,
        output: Path,
        *,
        shape: tuple[int, int, int],
        key: str,
        attrs: dict[str, Any],
        overwrite: bool = False,
    ) -> None:
        self.output = output
        self.format = output_format(output)
        self.shape = shape
        self.key = key
        self.attrs = jsonable(
            {**attrs, "provenance": {**attrs.get("provenance", {}), "job_key": key}}
        )
        self.path = output.with_name(output.name + ".partial")
        self.already_complete = False
        if not output.parent.is_dir():
            raise InputError(f"{output}: the output folder {output.parent} does not exist")
        self._lock: int | None = _lock(output)
        try:
            self._array = self._claim(key, overwrite)
        except BaseException:
            self.release()
            raise

    def _claim(self, key: str, overwrite: bool) -> Any:
        """Return the staging array of this job (None when the output is already complete)."""
        output = self.output
        if output.exists():
            existing = read_attrs(output, self.format)
            same = existing is not None and existing.get("provenance", {}).get("job_key") == key
            if existing is not None and same and _complete(output, self.format, existing):
                self.already_complete = True
                self._remove_leftovers()
                self.release()
                return None
            if not overwrite:
                why = (
                    "was made from another input, model or parameters"
                    if existing
                    else "is not a temdenoise output"
                )
                if same:
                    why = "is an incomplete copy of this job's output (frames are missing)"
                raise InputError(f"{output}: exists and {why}; use --overwrite to replace it")
        return self._open_or_create(overwrite)

    def _remove_leftovers(self) -> None:
        """Remove what a kill right after the final rename left of this job."""
        shutil.rmtree(self.output / PROGRESS, ignore_errors=True)  # Zarr
        stored = read_attrs(self.path, "zarr") if self.path.exists() else None
        if stored is not None and stored.get("provenance", {}).get("job_key") == self.key:
            shutil.rmtree(self.path)  # an exported format's staging group

    def _open_or_create(self, overwrite: bool) -> Any:
        import zarr
        from zarr.codecs import BloscCodec

        if self.path.exists():
            try:
                group = zarr.open_group(store=str(self.path), mode="r+")
                stored = group.attrs.get("temdenoise", {})
                same = (
                    isinstance(stored, dict)
                    and stored.get("provenance", {}).get("job_key") == self.key
                )
            except Exception:
                same = False
            frames = group["frames"] if same else None
            if (
                isinstance(stored, dict)
                and isinstance(frames, zarr.Array)
                and frames.shape == self.shape
            ):
                # the job's record is its first run's (e.g. the tile it chose)
                self.attrs = {k: v for k, v in stored.items() if k != "complete"}
                return frames
            if not overwrite:
                raise InputError(
                    f"{self.path}: an unfinished output of another job is here; "
                    "use --overwrite to discard it"
                )
            shutil.rmtree(self.path)
        building = self.path.with_name(self.path.name + ".new")
        try:
            if building.exists():  # a kill while an earlier run built it
                shutil.rmtree(building)
            group = zarr.open_group(store=str(building), mode="w")
            group.attrs["temdenoise"] = {**self.attrs, "complete": False}
            group.attrs["ome"] = ome_zarr_attrs(self.attrs.get("metadata", {}))
            group.create_array(
                "frames",
                shape=self.shape,
                chunks=(1, *self.shape[1:]),
                dtype="float32",
                fill_value=np.nan,
                compressors=BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),
                dimension_names=("frame", "row", "column"),
            )
            (building / PROGRESS).mkdir()
            building.rename(self.path)
            _sync(self.path.parent)
        except OSError as exc:
            raise OutputError(
                f"{self.path}: cannot create the output ({exc.strerror or exc})"
            ) from None
        return zarr.open_array(store=str(self.path / "frames"), mode="r+")

    def done(self) -> set[int]:
        """Return the indices of the blocks already written."""
        if self.already_complete:
            raise RuntimeError("the output is already complete")
        return {int(p.name) for p in (self.path / PROGRESS).iterdir() if p.name.isdigit()}

    def write(self, block: int, start: int, frames: np.ndarray) -> None:
        """Write ``frames`` at output frame ``start`` and mark ``block`` done."""
        write_block(self.path, block, start, frames, array=self._array)

    def finish(self) -> None:
        """Turn the complete staging group into the output, durably, and release the lock."""
        import zarr

        group = zarr.open_group(store=str(self.path), mode="r+")
        try:
            if self.format == "zarr":
                group.attrs["temdenoise"] = {**self.attrs, "complete": True}
                _sync_tree(self.path)
                _replace_dir(self.path, self.output)
                shutil.rmtree(self.output / PROGRESS)  # a kill before this: removed on rerun
            else:
                _check_space(self.output, self.shape)
                export(group["frames"], self.output, self.format, self.attrs)
                shutil.rmtree(self.path)
            _sync(self.output.parent)
        except (OSError, RuntimeError, ValueError) as exc:
            detail = getattr(exc, "strerror", None) or exc
            raise OutputError(
                f"{self.output}: cannot write ({detail}); free space or fix the folder, then "
                "rerun the same command to finish"
            ) from None
        self.release()

    def release(self) -> None:
        """Let another process write this output (also done when this process ends)."""
        if self._lock is not None:
            self.output.with_name(self.output.name + ".lock").unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None


def _lock(output: Path) -> int:
    """Hold ``<output>.lock`` exclusively; one line when another process holds it."""
    import fcntl

    path = output.with_name(output.name + ".lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the lock ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(
            f"{output}: another temdenoise run is writing this output; wait for it to end "
            "(or stop it), then rerun"
        ) from None
    return fd


def _complete(output: Path, fmt: str, attrs: dict[str, Any]) -> bool:
    """Whether a finished output of the right job holds every frame (Zarr: every chunk)."""
    if fmt != "zarr":
        return True  # written to a temporary file and renamed whole
    import zarr

    if attrs.get("complete") is not True:
        return False
    try:
        frames = zarr.open_array(store=str(output / "frames"), mode="r")
        return bool(frames.nchunks_initialized == frames.nchunks)
    except Exception:
        return False


def _check_space(output: Path, shape: tuple[int, int, int]) -> None:
    need = 4 * shape[0] * shape[1] * shape[2] + FREE_MARGIN
    free = shutil.disk_usage(output.parent).free
    if free < need:
        raise OSError(
            28, f"needs {need / 2**30:.2f} GiB free, {free / 2**30:.2f} GiB are: free space"
        )


def _sync(path: Path) -> None:
    """Flush a file's data, or a folder's entries (renames, new files), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tree(path: Path) -> None:
    """Flush the metadata files and the folders of a Zarr group (chunks are flushed as written)."""
    for file in path.rglob("zarr.json"):
        _sync(file)
    for folder in [path, *(p for p in path.rglob("*") if p.is_dir())]:
        _sync(folder)


def write_block(
    staging: Path, block: int, start: int, frames: np.ndarray, *, array: Any = None
) -> None:
    """Write ``frames`` into the staging group at ``staging`` and mark ``block`` done.

    Used by :class:`Staging` and by Dask workers, which open the group themselves.
    Blocks cover whole chunks (one frame each), so concurrent writers never share one.
    """
    try:
        if array is None:
            import zarr

            array = zarr.open_array(store=str(staging / "frames"), mode="r+")
        array[start : start + frames.shape[0]] = frames
        for t in range(start, start + frames.shape[0]):  # one chunk per frame
            chunk = staging / "frames" / "c" / str(t) / "0" / "0"
            if chunk.exists():
                _sync(chunk)
        marker = staging / PROGRESS / str(block)
        marker.touch()
        _sync(marker)
        _sync(marker.parent)
    except OSError as exc:
        raise OutputError(
            f"{staging}: cannot write frames {start}:{start + frames.shape[0]} "
            f"({exc.strerror or exc}); rerun the same command to resume"
        ) from None


def _replace_dir(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, replacing an existing ``target`` only at the end."""
    if target.exists():
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        target.rename(old)
        source.rename(target)
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    else:
        source.rename(target)
