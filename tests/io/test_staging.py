"""The staging life cycle: one writer, nothing half-built, complete marked last, full disks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import namedtuple

import numpy as np
import pytest

from temdenoise.errors import InputError, OutputError
from temdenoise.io import Staging, open_source
from temdenoise.io.staging import PROGRESS

SHAPE = (4, 8, 10)
ATTRS = {"metadata": {"pixel_size": 0.5}, "provenance": {"command": "test"}}


def stage(output, key="job-a", **kwargs):
    return Staging(output, shape=SHAPE, key=key, attrs=ATTRS, **kwargs)


def fill(staging):
    frames = np.arange(np.prod(SHAPE), dtype=np.float32).reshape(SHAPE)
    staging.write(0, 0, frames[:2])
    staging.write(1, 2, frames[2:])
    return frames


def test_a_second_writer_is_refused_in_one_line_while_the_first_holds_the_output(tmp_path):
    out = tmp_path / "out.zarr"
    first = stage(out)
    script = (
        "import sys\nfrom pathlib import Path\nfrom temdenoise.io import Staging\n"
        "try:\n"
        f"    Staging(Path(sys.argv[1]), shape={SHAPE}, key='job-a', attrs={{}})\n"
        "except Exception as exc:\n    print(exc)\n    sys.exit(2)\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(out)], capture_output=True, text=True, check=False
    )
    assert other.returncode == 2
    assert "another temdenoise run is writing this output" in other.stdout
    fill(first)
    first.finish()
    assert not (tmp_path / "out.zarr.lock").exists()
    assert stage(out).already_complete  # the lock is free again


def test_a_staging_left_half_built_by_a_kill_is_rebuilt(tmp_path):
    out = tmp_path / "out.zarr"
    half = tmp_path / "out.zarr.partial.new"
    half.mkdir()
    (half / "zarr.json").write_text("{}")  # killed before the array existed
    staging = stage(out)
    assert not half.exists()
    frames = fill(staging)
    staging.finish()
    with open_source(out) as src:
        np.testing.assert_array_equal(src.read(0, 4), frames)


def test_a_kill_between_the_rename_and_the_cleanup_leaves_a_complete_output(tmp_path):
    out = tmp_path / "out.zarr"
    staging = stage(out)
    frames = fill(staging)
    staging.finish()
    (out / PROGRESS).mkdir()  # as if killed right after the rename
    again = stage(out)
    assert again.already_complete
    assert not (out / PROGRESS).exists()
    with open_source(out) as src:
        np.testing.assert_array_equal(src.read(0, 4), frames)


def test_an_interrupted_copy_of_a_finished_zarr_output_is_not_complete(tmp_path):
    out = tmp_path / "out.zarr"
    staging = stage(out)
    fill(staging)
    staging.finish()
    copy = tmp_path / "copy.zarr"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "frames" / "c" / "3")  # the copy stopped before the last chunk
    with pytest.raises(InputError, match="incomplete copy of this job's output"):
        stage(copy)
    assert not stage(copy, overwrite=True).already_complete


@pytest.mark.parametrize("ext", [".tif", ".h5", ".mrc"])
def test_a_full_disk_at_export_is_one_line_and_keeps_the_finished_blocks(
    tmp_path, monkeypatch, ext
):
    out = tmp_path / f"out{ext}"
    staging = stage(out)
    frames = fill(staging)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(1 << 30, 1 << 30, 1000))
    with pytest.raises(OutputError, match=r"needs 0.06 GiB free.*rerun the same command"):
        staging.finish()
    assert not out.exists()
    assert not out.with_name(out.name + ".tmp").exists()
    staging.release()  # as run_denoise does on every way out
    monkeypatch.undo()
    again = stage(out)
    assert again.done() == {0, 1}
    again.finish()
    with open_source(out) as src:
        np.testing.assert_array_equal(src.read(0, 4), frames)
