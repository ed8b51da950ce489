"""What every temdenoise network tells about itself."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from temdenoise.models.trim import Sides


class Denoiser(nn.Module, ABC):
    """A bias-free denoising network.

    Input is a tensor of shape (N, in_frames, rows, columns) in counts per pixel;
    output is (N, 1, rows, columns) in the same unit: the middle input frame,
    denoised. ``rows`` and ``columns`` must be multiples of ``downsampling``.
    """

    arch: ClassVar[str]

    @property
    @abstractmethod
    def in_frames(self) -> int:
        """Number of consecutive frames the network takes (odd)."""

    @property
    @abstractmethod
    def receptive_radius(self) -> int:
        """Chebyshev radius in pixels beyond which inputs cannot affect an output pixel.

        The receptive field is at most ``2 * receptive_radius + 1`` pixels wide.
        """

    @property
    def exact_margin(self) -> int:
        """Context a window needs on a side facing another window for its output to be exact.

        For windows at offsets aligned to :attr:`downsampling` (as tiling places them):
        the pixels :meth:`forward_trimmed` drops on such a side. At most
        :attr:`receptive_radius`, which is the reach from any offset.
        """
        return self.receptive_radius

    @property
    @abstractmethod
    def downsampling(self) -> int:
        """Total downsampling factor of the network.

        The network is shift-equivariant for shifts that are multiples of it, and
        tile offsets must be aligned to it.
        """

    @abstractmethod
    def arch_params(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this architecture (JSON-serialisable)."""

    @property
    @abstractmethod
    def activation_bytes_per_pixel(self) -> int:
        """Rough peak activation memory per input pixel in float32 inference."""

    def forward_trimmed(
        self, x: torch.Tensor, sides: Sides
    ) -> tuple[torch.Tensor, tuple[int, int]]:
        """Denoise a window of a larger frame, skipping work on its discarded halo.

        ``sides`` names the window's sides that face another window; there each layer
        computes only the positions still exact (see :mod:`temdenoise.models.trim`). The
        window must start at a multiple of :attr:`downsampling` in the frame. Returns the
        output, which equals ``self(x)`` on the positions it covers, and its offset (rows,
        columns) in ``x``; it covers at least all but ``receptive_radius`` pixels on each
        such side. This default computes the whole window.
        """
        return self(x), (0, 0)


def check_in_frames(in_frames: int) -> int:
    """Return ``in_frames`` if it is a positive odd integer, else raise ValueError."""
    if in_frames < 1 or in_frames % 2 == 0:
        raise ValueError(f"in_frames must be a positive odd number, got {in_frames}")
    return in_frames
