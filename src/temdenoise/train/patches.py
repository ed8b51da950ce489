"""Augmented training patches cut from clean images (pure, PyTorch).

A patch is resampled from its image at a new pixel size, turned by a small angle, then
flipped and turned by a multiple of 90 degrees (exact). Resampling is bicubic on a grid
``m`` times finer than the patch, averaged over ``m`` x ``m`` blocks when the patch is
coarser than the image (``m`` = ceil(zoom)), so coarser pixels integrate the signal
instead of aliasing it. Intensities stay in the image's units (vacuum 1).

A window of ``k`` frames (for networks that take several frames) cuts the same patch
``k`` times from its image, each displaced along a drift: a constant velocity of random
direction and speed (up to ``drift`` patch pixels per frame) plus a random walk of a
quarter pixel per frame, centred on the middle frame, which is the training target. A
window from a simulated movie instead cuts the same patch from consecutive frames, which
carry the movie's own drift, rotation, defocus drift and surface events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F


class Source(NamedTuple):
    """Clean images to cut patches from.

    Attributes
    ----------
    images : torch.Tensor, shape (n, rows, columns)
        Still images, or the frames of one movie in time order.
    zooms : (float, float)
        Range of zoom (patch pixel size over image pixel size), drawn log-uniformly.
    movie : bool
        Whether ``images`` are the frames of one movie.
    """

    images: torch.Tensor
    zooms: tuple[float, float]
    movie: bool = False


def sample_patches(
    sets: Sequence[Source],
    *,
    count: int,
    size: int,
    rotation_max: float,
    generator: torch.Generator,
    frames: int = 1,
    drift: float = 0.0,
    batched: bool | None = None,
) -> torch.Tensor:
    """Draw ``count`` augmented patches, or windows of ``frames`` drifting patches.

    Parameters
    ----------
    sets : sequence of Source
        An image (a frame of a movie) is drawn uniformly among all images of all sets.
        A window from a movie is the ``frames`` consecutive frames around the drawn one
        (moved inside the movie at its ends), without added drift.
    count, size : int
        Number of patches and their side in pixels.
    rotation_max : float
        Largest in-plane rotation before the 90-degree turns, degrees.
    generator : torch.Generator
        CPU generator: the only source of randomness.
    frames : int
        Frames per window (1: single patches, drawn exactly as before windows existed).
    drift : float
        Largest drift speed between frames of a window, patch pixels per frame.
    batched : bool, optional
        Resample many patches per call (the default on a GPU) or one per call (on a CPU);
        the patches are the same bit for bit.

    Returns
    -------
    torch.Tensor of float32, shape (count, frames, size, size), on the images' device

    """
    sizes = [int(source.images.shape[0]) for source in sets]
    total = sum(sizes)
    if total == 0:
        raise ValueError("no images to cut patches from")
    if any(source.movie and size < frames for source, size in zip(sets, sizes, strict=True)):
        raise ValueError(f"a movie is shorter than a window of {frames} frames")
    draws = torch.rand((count, 7), generator=generator, dtype=torch.float64).tolist()
    shifts = drift_offsets(count, frames, drift, generator)
    cuts: list[_Cut] = []  # one per frame of every window, in output order
    for u, offsets in zip(draws, shifts, strict=True):
        index = min(int(u[0] * total), total - 1)
        which = 0
        while index >= sizes[which]:
            index -= sizes[which]
            which += 1
        _, (low, high), movie = sets[which]
        zoom = math.exp(math.log(low) + u[1] * (math.log(high) - math.log(low)))
        angle = math.radians((2 * u[2] - 1) * rotation_max)
        if movie:
            first = min(max(index - frames // 2, 0), sizes[which] - frames)
            window = [(first + t, (0.0, 0.0)) for t in range(frames)]
        else:
            window = [(index, o) for o in offsets]
        cuts += [_Cut(which, i, zoom, angle, (u[3], u[4]), o) for i, o in window]
    patches = _resample_cuts(sets, cuts, size, batched).view(count, frames, size, size)
    for k, u in enumerate(draws):  # exact turns and flips, each window as one
        patch = torch.rot90(patches[k], int(u[5] * 4) % 4, dims=(-2, -1))
        patches[k] = torch.flip(patch, dims=(-1,)) if u[6] < 0.5 else patch
    return patches


class _Cut(NamedTuple):
    """One frame of one patch: where to cut it and how."""

    which: int
    frame: int
    zoom: float
    angle: float
    where: tuple[float, float]
    shift: tuple[float, float]


def _resample_cuts(
    sets: Sequence[Source], cuts: list[_Cut], size: int, batched: bool | None
) -> torch.Tensor:
    """Resample every cut (see :func:`resample_patch`), batched or one call per cut.

    Batched (by default on a GPU: the images' device, the training device, which then
    draws its own patches), cuts are grouped by image shape and fine-grid factor ``m`` and
    each group is one ``grid_sample``. Otherwise (by default on a CPU) each cut is its own
    call: the batched float64 grids (``m``^2 times the patch) leave the caches, and one by
    one is faster there; the results are the same bit for bit. Returns float32
    (len(cuts), size, size) on that device.
    """
    device = sets[0].images.device
    if batched is None:
        batched = device.type != "cpu"
    out = torch.empty((len(cuts), size, size), dtype=torch.float32, device=device)
    groups: dict[tuple[int, int, int], list[int]] = {}
    for k, cut in enumerate(cuts):
        rows, cols = sets[cut.which].images.shape[-2:]
        groups.setdefault((rows, cols, max(1, math.ceil(cut.zoom - 1e-9))), []).append(k)
    calls = [
        (key, chunk)
        for key, members in groups.items()
        for chunk in ([members] if batched else [[k] for k in members])
    ]
    for (rows, cols, m), members in calls:
        group = [cuts[k] for k in members]
        images = torch.stack([sets[c.which].images[c.frame] for c in group])
        grid = _grids(group, size, m, rows, cols, device)
        resampled = F.grid_sample(
            images[:, None].to(torch.float32),
            grid,
            mode="bicubic",
            padding_mode="reflection",
            align_corners=False,
        )
        if m > 1:
            resampled = F.avg_pool2d(resampled, m)
        out[torch.tensor(members, device=device)] = resampled[:, 0].clamp_(min=0)
    return out


def _grids(
    cuts: list[_Cut], size: int, m: int, rows: int, cols: int, device: torch.device
) -> torch.Tensor:
    """Build the sampling grids (n, size m, size m, 2) of cuts from ``rows`` x ``cols`` images."""

    def column(values: list[float]) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.float64, device=device)[:, None, None]

    zoom = column([c.zoom for c in cuts])
    centres = []
    for c in cuts:
        half = size * c.zoom / 2 * (abs(math.cos(c.angle)) + abs(math.sin(c.angle)))
        centres.append(
            [
                half + w * (extent - 2 * half) if extent > 2 * half else extent / 2
                for w, extent in zip(c.where, (rows, cols), strict=True)
            ]
        )
    fine = size * m
    base = (torch.arange(fine, dtype=torch.float64, device=device) + 0.5) / m - size / 2
    offsets = base[None] * zoom[:, 0]  # (n, fine)
    o_row = offsets[:, :, None].expand(-1, -1, fine) + column([c.shift[0] for c in cuts]) * zoom
    o_col = offsets[:, None, :].expand(-1, fine, -1) + column([c.shift[1] for c in cuts]) * zoom
    cos = column([math.cos(c.angle) for c in cuts])
    sin = column([math.sin(c.angle) for c in cuts])
    row = column([c[0] for c in centres]) + cos * o_row - sin * o_col
    col = column([c[1] for c in centres]) + sin * o_row + cos * o_col
    return torch.stack((2 * col / cols - 1, 2 * row / rows - 1), dim=-1).to(torch.float32)


def drift_offsets(
    count: int, frames: int, drift: float, generator: torch.Generator
) -> list[list[tuple[float, float]]]:
    """Per window, the (row, column) displacement of every frame, in patch pixels."""
    if frames < 1 or frames % 2 == 0:
        raise ValueError(f"frames must be a positive odd number, got {frames}")
    if frames == 1:
        return [[(0.0, 0.0)]] * count  # no draws: single patches stay as they were
    mid = frames // 2
    speed = torch.rand(count, generator=generator, dtype=torch.float64) * drift
    direction = torch.rand(count, generator=generator, dtype=torch.float64) * 2 * math.pi
    jitter = torch.randn((count, frames, 2), generator=generator, dtype=torch.float64) / 4
    jitter[:, mid] = 0
    walk = torch.zeros_like(jitter)  # random walk outwards from the middle frame
    for j in range(1, mid + 1):
        walk[:, mid + j] = walk[:, mid + j - 1] + jitter[:, mid + j]
        walk[:, mid - j] = walk[:, mid - j + 1] + jitter[:, mid - j]
    t = torch.arange(frames, dtype=torch.float64) - mid
    velocity = torch.stack((speed * torch.sin(direction), speed * torch.cos(direction)), dim=-1)
    offsets = t[None, :, None] * velocity[:, None, :] + walk
    return [[(float(r), float(c)) for r, c in window] for window in offsets.tolist()]


def resample_patch(
    image: torch.Tensor,
    *,
    size: int,
    zoom: float,
    angle: float,
    where: tuple[float, float],
    shift: tuple[float, float] = (0.0, 0.0),
) -> torch.Tensor:
    """One ``size`` x ``size`` patch of ``image`` at ``zoom`` times its pixel size.

    ``angle`` (radians) turns the patch; ``where`` (two numbers in [0, 1]) places its
    centre among the positions where the turned patch lies inside the image (reflection
    fills what does not fit); ``shift`` then displaces it by (rows, columns) patch
    pixels. Returns float32 (size, size), clipped at 0.
    """
    cut = _Cut(0, 0, zoom, angle, where, shift)
    return _resample_cuts([Source(image[None], (zoom, zoom))], [cut], size, batched=False)[0]
