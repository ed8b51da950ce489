"""Fault injection: a real ``temdenoise denoise`` killed at each point of the staging life cycle.

A small launcher patches one function so that the process sends itself SIGKILL at a named
moment (no cleanup, no ``finally``), then runs the command line. The same command rerun
must finish, and its output must equal, to the bit, that of a run never interrupted.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from temdenoise.io import open_source
from temdenoise.models import BFUNet
from temdenoise.models.checkpoint import save_model
from tests.conftest import randomize

LAUNCHER = """
import os, pathlib, signal, sys
import temdenoise.io.staging as staging
import temdenoise.io.writers as writers

point = sys.argv[1]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "create":  # the staging group exists, its progress folder not yet
    mkdir = pathlib.Path.mkdir
    def killing_mkdir(self, *args, **kwargs):
        if self.name == staging.PROGRESS:
            die()
        return mkdir(self, *args, **kwargs)
    pathlib.Path.mkdir = killing_mkdir
elif point == "block":  # two blocks written and marked
    write_block = staging.write_block
    written = []
    def killing_write_block(*args, **kwargs):
        write_block(*args, **kwargs)
        written.append(1)
        if len(written) == 2:
            die()
    staging.write_block = killing_write_block
elif point == "export":  # half of the frames written to the temporary file
    for fmt, writer in list(writers.WRITERS.items()):
        class Half:
            def __init__(self, frames):
                self.frames, self.shape, self.read = frames, frames.shape, 0
            def __getitem__(self, index):
                self.read += 1
                if self.read > self.shape[0] // 2:
                    die()
                return self.frames[index]
        writers.WRITERS[fmt] = lambda path, frames, attrs, w=writer: w(path, Half(frames), attrs)
elif point == "finish":  # complete, flushed, not yet renamed into place
    def killing(*args, **kwargs):
        die()
    staging._replace_dir = killing
    os_replace = os.replace
    def killing_replace(source, target):
        if str(source).endswith(".tmp"):
            die()
        return os_replace(source, target)
    writers.os.replace = killing_replace
elif point == "rename":  # renamed into place, the staging leftovers not yet removed
    replace_dir = staging._replace_dir
    def killing_replace_dir(source, target):
        replace_dir(source, target)
        die()
    staging._replace_dir = killing_replace_dir
    os_replace = os.replace
    def killing_replace(source, target):
        os_replace(source, target)
        if str(source).endswith(".tmp"):
            die()
    writers.os.replace = killing_replace

from temdenoise.cli import main
sys.exit(main(sys.argv[2:]))
"""

POINTS = ["create", "block", "export", "finish", "rename"]


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    torch.manual_seed(0)
    model = root / "model.safetensors"
    save_model(model, randomize(BFUNet(scales=2, width=4)), pixel_size=1.0, dose_range=(0.1, 10))
    frames = np.random.default_rng(3).poisson(0.45, size=(10, 32, 40)).astype(np.uint16)
    np.save(root / "movie.npy", frames)
    return root, model


def command(root, model, output):
    args = [str(root / "movie.npy"), "-o", str(output), "--model", str(model)]
    return ["denoise", *args, "--pixel-size", "1", "--block-frames", "2", "--device", "cpu"]


def read(path):
    with open_source(path) as src:
        return src.read(0, src.shape[0])


CASES = [
    *((point, ".zarr") for point in POINTS if point != "export"),  # renamed, not exported
    *((point, ".tif") for point in POINTS),
    *((point, ext) for point in ("export", "rename") for ext in (".h5", ".mrc")),
]
"""Every point for Zarr and TIFF; the writers' own points for HDF5 and MRC."""


@pytest.mark.parametrize(("point", "ext"), CASES)
def test_a_rerun_after_a_kill_at_any_point_completes_bit_identical(job, point, ext):
    root, model = job
    reference = root / f"reference{ext}"
    if not reference.exists():
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, "none", *command(root, model, reference)],
            check=True,
            capture_output=True,
        )
    out = root / f"{point}{ext}"
    killed = subprocess.run(
        [sys.executable, "-c", LAUNCHER, point, *command(root, model, out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if point != "rename":
        assert not out.exists()  # nothing at the output path claims to be finished
    again = subprocess.run(
        [sys.executable, "-c", LAUNCHER, "none", *command(root, model, out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    np.testing.assert_array_equal(read(out), read(reference))
    leftovers = sorted(p.name for p in root.iterdir() if p.name.startswith(out.name + "."))
    assert leftovers == []
