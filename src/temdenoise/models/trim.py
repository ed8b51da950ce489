"""Forward passes that skip the halo's wasted work: valid convolution on a window's inner sides.

A tile's output is kept only ``halo`` pixels in from each side that faces another tile, yet a
plain forward pass computes every layer over the whole window. After each 3x3 convolution
with zero padding, the outermost row or column on such a side depends on the padding, not on
the frame, so it is wrong and everything computed from it later is thrown away too.
:func:`run_trimmed` drops it as soon as it is computed: each layer runs on the positions
still exact, the way the original U-Net tiled (valid convolutions, cropped skips). On the
sides that reach the frame's own edge nothing is dropped, and the convolution's zero padding
is the padding the whole-frame pass applies there. Every value kept is computed from the
same inputs by the same operations as in the plain pass, so the output equals its interior.

Offsets are counted from the window's first row and column at the current resolution; the
window must start at a multiple of the network's downsampling factor, so that the local
parity of a position is its parity in the frame (pooling pairs the same positions).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Sides:
    """Which sides of a window face another window (their halo is discarded)."""

    top: bool = False
    bottom: bool = False
    left: bool = False
    right: bool = False


def crop(h: torch.Tensor, sides: Sides, pixels: int = 1) -> torch.Tensor:
    """Drop ``pixels`` rows or columns from each side of ``h`` that faces another window."""
    rows, cols = h.shape[-2:]
    t = pixels if sides.top else 0
    b = pixels if sides.bottom else 0
    left = pixels if sides.left else 0
    r = pixels if sides.right else 0
    return h[..., t : rows - b, left : cols - r]


def run_trimmed(
    layers: nn.Module, h: torch.Tensor, offset: tuple[int, int], sides: Sides
) -> tuple[torch.Tensor, tuple[int, int]]:
    """Run a (nested) ``nn.Sequential`` and drop each 3x3 convolution's wrong border.

    Returns the output and its offset (rows, columns) from the window's origin.
    """
    if isinstance(layers, nn.Sequential):
        for layer in layers:
            h, offset = run_trimmed(layer, h, offset, sides)
        return h, offset
    h = layers(h)
    if isinstance(layers, nn.Conv2d) and layers.kernel_size != (1, 1):
        if layers.kernel_size != (3, 3) or layers.padding != (1, 1) or layers.stride != (1, 1):
            raise ValueError(f"run_trimmed handles 3x3 convolutions with padding 1, got {layers}")
        h = crop(h, sides)
        offset = (offset[0] + sides.top, offset[1] + sides.left)
    return h, offset


def even(h: torch.Tensor, offset: tuple[int, int]) -> tuple[torch.Tensor, tuple[int, int]]:
    """Crop ``h`` to start and end at even offsets, so that 2x2 pooling pairs as in the frame.

    A side that reaches the window's edge is already even there (the window's size and
    start are multiples of the downsampling factor), so only inner sides lose a pixel.
    """
    r0, c0 = offset[0] % 2, offset[1] % 2
    rows, cols = h.shape[-2] - r0, h.shape[-1] - c0
    h = h[..., r0 : r0 + rows - rows % 2, c0 : c0 + cols - cols % 2]
    return h, (offset[0] + r0, offset[1] + c0)
