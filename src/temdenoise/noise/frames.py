"""Checks of frames before a noise fit (one InputError line per problem) and count tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from temdenoise.errors import InputError

MIN_SIDE = 16


def check_frames(frames: Any, *, min_frames: int = 1, what: str = "frames") -> np.ndarray:
    """Validate frames for fitting; return them as float64 (frames, rows, columns).

    Raises
    ------
    InputError
        A 1-D or >3-D array, too few frames, too small, NaN/Inf, all zeros or constant,
        negative counts for integer data, or saturated pixels (one line each).

    """
    array = np.asarray(frames)
    if array.dtype.kind not in "uif":
        raise InputError(f"{what}: pixels must be real numbers, got dtype {array.dtype}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise InputError(
            f"{what}: expected (frames, rows, columns) or (rows, columns), "
            f"got a {array.ndim}-D array of shape {array.shape}"
        )
    n, rows, cols = array.shape
    if n < min_frames:
        raise InputError(f"{what}: too few frames: {n} (this fit needs at least {min_frames})")
    if rows < MIN_SIDE or cols < MIN_SIDE:
        raise InputError(f"{what}: region of {rows} x {cols} px is too small (>= {MIN_SIDE})")
    bad = int(np.count_nonzero(~np.isfinite(array))) if array.dtype.kind == "f" else 0
    if bad:
        raise InputError(f"{what}: {bad} pixels are NaN or infinite")
    x = array.astype(np.float64)
    if not np.any(x):
        raise InputError(f"{what}: all pixels are zero (no signal)")
    low, high = float(x.min()), float(x.max())
    if low == high:
        raise InputError(f"{what}: all pixels have the same value {low:g} (no noise to fit)")
    _check_saturation(x, array.dtype, what)
    return x


def _check_saturation(x: np.ndarray, dtype: np.dtype[Any], what: str) -> None:
    high = float(x.max())
    at_max = float(np.mean(x == high))
    if dtype.kind in "ui" and high == float(np.iinfo(dtype).max) and high > 1:
        clipped = True
    else:  # a plateau at the top of continuous-looking data
        sample = x.reshape(-1)[:: max(1, x.size // 100_000)]
        clipped = np.unique(sample).size > 64
    if clipped and at_max > 0.001:
        raise InputError(
            f"{what}: saturated: {at_max:.1%} of the pixels sit at the maximum {high:g}; "
            "choose a region or exposure without saturation"
        )


def is_integer_valued(x: np.ndarray) -> bool:
    """Whether every value is a whole number >= 0 (counted electrons)."""
    return bool(np.all(x >= 0) and np.all(x == np.round(x)))
