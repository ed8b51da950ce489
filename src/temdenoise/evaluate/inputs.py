"""The files an evaluation compares: frames read lazily, shapes matched, noise models.

A denoised output of a frame range (``temdenoise denoise --frames A:B``) is matched with
frames ``A:B`` of its source movie, as its provenance records them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from temdenoise.errors import InputError

if TYPE_CHECKING:
    from temdenoise.io.base import ArraySource


class LazyFrames:
    """Frames ``start:stop`` of a source read in blocks, with the last blocks cached.

    Each frame is checked for NaN and infinite pixels when its block is read.
    """

    def __init__(self, source: ArraySource, start: int, stop: int, block: int = 8) -> None:
        self._source = source
        self._start = start
        self.shape = (stop - start, *source.shape[1:])
        self._block = block
        self._cache: dict[int, np.ndarray] = {}

    def __getitem__(self, index: int) -> np.ndarray:
        if not 0 <= index < self.shape[0]:
            raise IndexError(index)
        key = index // self._block
        if key not in self._cache:
            first = self._start + key * self._block
            last = min(first + self._block, self._start + self.shape[0])
            data = np.asarray(self._source.read(first, last), dtype=np.float32)
            bad = ~np.isfinite(data).reshape(len(data), -1).all(axis=1)
            if bad.any():
                raise InputError(
                    f"{self._source.path}: frame {first + int(np.argmax(bad))} has NaN or "
                    "infinite pixels"
                )
            if len(self._cache) >= 3:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = data
        return np.asarray(self._cache[key][index % self._block])


def source_offset(sources: dict[str, ArraySource]) -> int:
    """First frame of the noisy movie that the denoised movie's frame 0 comes from.

    0 when both have as many frames; otherwise the start of the frame range recorded in
    the denoised output's provenance, which must cover exactly its frames.

    Raises
    ------
    InputError
        Frame sizes that differ, or frame counts that the provenance does not explain.
    """
    noisy, denoised = sources["noisy"], sources["denoised"]
    clean = sources.get("clean")
    for other in (denoised, clean):
        if other is not None and other.shape[1:] != noisy.shape[1:]:
            raise InputError(
                f"{other.path}: frames of {other.shape[1]} x {other.shape[2]} px do not match "
                f"the noisy movie {noisy.path} ({noisy.shape[1]} x {noisy.shape[2]} px)"
            )
    offset = 0
    if denoised.shape[0] != noisy.shape[0]:
        span = _denoised_frames(denoised.path)
        if span is None or span[1] - span[0] != denoised.shape[0] or span[1] > noisy.shape[0]:
            raise InputError(
                f"{denoised.path}: {denoised.shape[0]} frames do not match the noisy movie "
                f"{noisy.path} ({noisy.shape[0]} frames), and its provenance names no frame "
                "range of it that does"
            )
        offset = span[0]
    if clean is not None and clean.shape[0] not in (1, noisy.shape[0], denoised.shape[0]):
        raise InputError(
            f"{clean.path}: {clean.shape[0]} frames match neither the noisy movie "
            f"({noisy.shape[0]}) nor the denoised one ({denoised.shape[0]})"
        )
    return offset


def _denoised_frames(path: Path) -> tuple[int, int] | None:
    """Return the ``--frames`` range a temdenoise output was made from, or None."""
    from temdenoise.io.writers import FORMATS, read_attrs

    fmt = "zarr" if path.is_dir() else FORMATS.get(path.suffix.lower())
    attrs = read_attrs(path, fmt) if fmt else None
    provenance = (attrs or {}).get("provenance") or {}
    frames = (provenance.get("parameters") or {}).get("frames")
    if (
        isinstance(frames, list)
        and len(frames) == 2
        and all(isinstance(f, int) for f in frames)
        and 0 <= frames[0] < frames[1]
    ):
        return frames[0], frames[1]
    return None


def noise_variance(path: Path, level: float) -> tuple[float, float]:
    """``(slope, offset)`` of the variance of a ``fit-noise`` model around ``level`` counts/px."""
    from temdenoise.noise.store import load_noise_model

    model = load_noise_model(path)
    levels = np.geomspace(max(level / 4, 0.05), max(level * 4, 0.2), 6).tolist()
    return model.variance_line(levels, rng=np.random.default_rng(0))
