"""Rigid drift alignment by whole-pixel shifts (pure).

Only whole-pixel shifts are used: interpolating counted frames would smooth the noise
and change the count statistics the noise fits measure.
"""

from __future__ import annotations

import numpy as np


def estimate_drift(
    frames: np.ndarray, *, group: int = 1, max_shift: int = 32, step: int = 4
) -> np.ndarray:
    """Whole-pixel drift of each frame relative to the movie, by cross-correlation.

    Frames are summed in consecutive groups of ``group`` (low-dose frames are too noisy
    alone); each group sum is cross-correlated with the sum of all other frames (so its
    own noise does not pull the peak to zero). Starting from the middle group, each
    group's peak is searched within ``step`` pixels of its neighbour's, so the periods of
    a crystal lattice are not mistaken for drift. This runs twice, the second time
    against a reference built from the first alignment. The sub-pixel peak positions
    are fitted over time by a straight line and rounded: noisy single estimates do not
    become false one-pixel jumps.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
        Counts per pixel per frame.
    group : int
        Frames per group; all frames of a group get the group's shift.
    max_shift : int
        Largest shift searched along each axis, in pixels.
    step : int
        Largest change of shift from one group to the next, in pixels.

    Returns
    -------
    ndarray of int64, shape (frames, 2)
        (row, column) shift s of each frame: ``frame[r + s] ~ reference[r]``, relative to
        the median shift (which is 0).

    """
    n, rows, cols = frames.shape
    group = max(1, int(group))
    starts = list(range(0, n, group))
    if len(starts) < 2:
        return np.zeros((n, 2), dtype=np.int64)
    sums = np.stack([frames[s : s + group].sum(0) for s in starts]).astype(np.float64)
    mid = len(starts) // 2
    order = [(mid, mid), *((i, i - 1) for i in range(mid + 1, len(starts)))]
    order += [(i, i + 1) for i in range(mid - 1, -1, -1)]
    shifts = np.zeros((len(starts), 2), dtype=np.int64)
    estimates = np.zeros((len(starts), 2))
    for _ in range(2):
        reference = np.zeros((rows, cols))
        for image, (dr, dc) in zip(sums, shifts, strict=True):
            reference += np.roll(image, (-dr, -dc), axis=(0, 1))
        for i, neighbour in order:
            others = reference - np.roll(sums[i], (-shifts[i, 0], -shifts[i, 1]), axis=(0, 1))
            centre = np.round(estimates[neighbour]).astype(np.int64) if neighbour != i else (0, 0)
            estimates[i] = _peak(sums[i], others, (int(centre[0]), int(centre[1])), step, max_shift)
        shifts = _smooth_track(estimates)
    shifts -= np.round(np.median(shifts, axis=0)).astype(np.int64)
    return np.repeat(shifts, group, axis=0)[:n]


def _smooth_track(shifts: np.ndarray) -> np.ndarray:
    """Round a straight-line fit of sub-pixel shifts over time (drift is smooth)."""
    t = np.arange(shifts.shape[0], dtype=np.float64)
    degree = min(1, shifts.shape[0] - 1)
    fitted = np.stack(
        [np.polyval(np.polyfit(t, shifts[:, a], degree), t) for a in range(2)], axis=1
    )
    return np.asarray(np.round(fitted).astype(np.int64))


def _peak(
    image: np.ndarray, reference: np.ndarray, centre: tuple[int, int], half: int, max_shift: int
) -> tuple[float, float]:
    """Sub-pixel shift s maximising sum_r image[r + s] reference[r] near ``centre``.

    Searched within ``half`` pixels of ``centre`` and ``max_shift`` of zero (periodic
    correlation); refined by a parabola through the peak and its neighbours.
    """
    a = image - image.mean()
    b = reference - reference.mean()
    corr = np.fft.irfft2(np.fft.rfft2(a) * np.conj(np.fft.rfft2(b)), s=a.shape)
    rows, cols = corr.shape
    best, found = -np.inf, (0, 0)
    lim_r, lim_c = min(max_shift, rows // 2 - 1), min(max_shift, cols // 2 - 1)
    for dr in range(max(centre[0] - half, -lim_r), min(centre[0] + half, lim_r) + 1):
        for dc in range(max(centre[1] - half, -lim_c), min(centre[1] + half, lim_c) + 1):
            if corr[dr % rows, dc % cols] > best:
                best, found = corr[dr % rows, dc % cols], (dr, dc)
    dr, dc = found
    sub = []
    for before, after, whole in (
        (corr[(dr - 1) % rows, dc % cols], corr[(dr + 1) % rows, dc % cols], dr),
        (corr[dr % rows, (dc - 1) % cols], corr[dr % rows, (dc + 1) % cols], dc),
    ):
        curvature = before - 2 * best + after
        offset = 0.5 * (before - after) / curvature if curvature < 0 else 0.0
        sub.append(whole + float(np.clip(offset, -0.5, 0.5)))
    return sub[0], sub[1]


def align_frames(frames: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Crop every frame to the region seen by all frames after undoing ``shifts``.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
    shifts : ndarray of int, shape (frames, 2)
        From :func:`estimate_drift`.

    Returns
    -------
    ndarray of shape (frames, rows - span_row, columns - span_column)
        ``out[t, r, c] = frames[t, r + r0 + s_t_row, c + c0 + s_t_column]``; a view-free copy.

    """
    _, rows, cols = frames.shape
    shifts = np.asarray(shifts, dtype=np.int64)
    r0, c0 = -min(0, int(shifts[:, 0].min())), -min(0, int(shifts[:, 1].min()))
    r1, c1 = rows - max(0, int(shifts[:, 0].max())), cols - max(0, int(shifts[:, 1].max()))
    if r1 - r0 < 16 or c1 - c0 < 16:
        raise ValueError(f"drift of up to {np.abs(shifts).max()} px leaves no common region")
    return np.stack(
        [frames[t, r0 + dr : r1 + dr, c0 + dc : c1 + dc] for t, (dr, dc) in enumerate(shifts)]
    )
