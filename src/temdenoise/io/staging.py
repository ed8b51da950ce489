"""A resumable output: frames are written into a Zarr v3 group at ``<output>.partial``.

Blocks of frames are written, then marked done by creating an empty marker file, so a
block counts only once it is fully written. A rerun with the same job key continues with
the blocks not yet marked; a different key is refused unless ``overwrite``. When every
block is done, the staging group becomes the output (Zarr) or is exported to it (TIFF,
HDF5, MRC) through a temporary file and a rename: nothing at the output path ever
claims to be complete before it is.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from temdenoise.errors import InputError, OutputError
from temdenoise.io.metadata import jsonable
from temdenoise.io.writers import FORMATS, export, read_attrs

PROGRESS = ".temdenoise-progress"


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
        if output.exists():
            existing = read_attrs(output, self.format)
            same = existing is not None and existing.get("provenance", {}).get("job_key") == key
            if same:
                self.already_complete = True
                return
            if not overwrite:
                why = (
                    "was made from another input, model or parameters"
                    if existing
                    else "is not a temdenoise output"
                )
                raise InputError(f"{output}: exists and {why}; use --overwrite to replace it")
        self._array = self._open_or_create(overwrite)

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
        try:
            group = zarr.open_group(store=str(self.path), mode="w")
            group.attrs["temdenoise"] = {**self.attrs, "complete": False}
            array = group.create_array(
                "frames",
                shape=self.shape,
                chunks=(1, *self.shape[1:]),
                dtype="float32",
                fill_value=np.nan,
                compressors=BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),
                dimension_names=("frame", "row", "column"),
            )
            (self.path / PROGRESS).mkdir()
        except OSError as exc:
            raise OutputError(
                f"{self.path}: cannot create the output ({exc.strerror or exc})"
            ) from None
        return array

    def done(self) -> set[int]:
        """Return the indices of the blocks already written."""
        if self.already_complete:
            raise RuntimeError("the output is already complete")
        return {int(p.name) for p in (self.path / PROGRESS).iterdir() if p.name.isdigit()}

    def write(self, block: int, start: int, frames: np.ndarray) -> None:
        """Write ``frames`` at output frame ``start`` and mark ``block`` done."""
        write_block(self.path, block, start, frames, array=self._array)

    def finish(self) -> None:
        """Turn the complete staging group into the output."""
        import zarr

        group = zarr.open_group(store=str(self.path), mode="r+")
        try:
            if self.format == "zarr":
                group.attrs["temdenoise"] = {**self.attrs, "complete": True}
                shutil.rmtree(self.path / PROGRESS)
                _replace_dir(self.path, self.output)
            else:
                export(group["frames"], self.output, self.format, self.attrs)
                shutil.rmtree(self.path)
        except OSError as exc:
            raise OutputError(
                f"{self.output}: cannot write ({exc.strerror or exc}); "
                "rerun the same command to finish"
            ) from None


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
        (staging / PROGRESS / str(block)).touch()
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
