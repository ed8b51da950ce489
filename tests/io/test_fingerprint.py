"""Input fingerprints: content and size decide, not modification times."""

from __future__ import annotations

import os

from temdenoise.io.fingerprint import BLOCK, SAMPLES, fingerprint


def test_a_large_file_is_told_apart_by_a_change_in_a_sampled_block(tmp_path):
    path = tmp_path / "movie.raw"
    data = bytearray(os.urandom(SAMPLES * BLOCK * 3))
    path.write_bytes(data)
    before = fingerprint(path)
    data[-1] ^= 1  # the last byte is always sampled
    path.write_bytes(data)
    assert fingerprint(path) != before
    data[-1] ^= 1
    path.write_bytes(data)
    os.utime(path, (0, 0))
    assert fingerprint(path) == before


def test_a_folder_is_its_files_names_and_contents(tmp_path):
    folder = tmp_path / "series"
    folder.mkdir()
    for i in range(3):
        (folder / f"frame_{i}.tif").write_bytes(bytes([i]) * 100)
    before = fingerprint(folder)
    (folder / "frame_2.tif").write_bytes(bytes([9]) * 100)
    assert fingerprint(folder) != before
    (folder / "frame_2.tif").write_bytes(bytes([2]) * 100)
    assert fingerprint(folder) == before
    (folder / "frame_2.tif").rename(folder / "frame_3.tif")
    assert fingerprint(folder) != before
