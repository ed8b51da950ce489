"""Bias-free DnCNN, the seed's network (20 layers x 64 channels by default)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from temdenoise.models.base import Denoiser, check_in_frames
from temdenoise.models.layers import conv3x3, conv_bn_relu
from temdenoise.models.trim import Sides, run_trimmed


class BFDnCNN(Denoiser):
    """Bias-free DnCNN: ``depth`` 3x3 convolutions of ``width`` channels.

    conv -> ReLU, then ``depth - 2`` times conv -> bias-free batch norm -> ReLU,
    then conv to one channel. No layer has a bias, so in eval mode the network
    is positively homogeneous.

    Parameters
    ----------
    depth : int
        Number of convolution layers (>= 2). The receptive radius equals ``depth``.
    width : int
        Channels of the hidden layers.
    in_frames : int
        Consecutive frames in; the middle one is denoised.
    residual : bool
        If True, the network predicts the noise and the output is the middle input
        frame minus that prediction (the ICLR 2020 BF-CNN); if False (default) it
        outputs the clean image directly (the group's 2022 code).

    """

    arch: ClassVar[str] = "dncnn"

    def __init__(
        self, *, depth: int = 20, width: int = 64, in_frames: int = 1, residual: bool = False
    ) -> None:
        super().__init__()
        if depth < 2:
            raise ValueError(f"depth must be >= 2, got {depth}")
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        self.depth = depth
        self.width = width
        self._in_frames = check_in_frames(in_frames)
        self.residual = residual
        layers: list[nn.Module] = [conv3x3(in_frames, width), nn.ReLU(inplace=True)]
        layers += [conv_bn_relu(width, width) for _ in range(depth - 2)]
        layers.append(conv3x3(width, 1))
        self.body = nn.Sequential(*layers)

    @property
    def in_frames(self) -> int:
        return self._in_frames

    @property
    def receptive_radius(self) -> int:
        return self.depth

    @property
    def downsampling(self) -> int:
        return 1

    @property
    def activation_bytes_per_pixel(self) -> int:
        return 3 * self.width * 4

    def arch_params(self) -> dict[str, Any]:
        return {
            "depth": self.depth,
            "width": self.width,
            "in_frames": self.in_frames,
            "residual": self.residual,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Denoise ``x`` of shape (N, in_frames, rows, columns) -> (N, 1, rows, columns)."""
        y: torch.Tensor = self.body(x)
        if self.residual:
            mid = self.in_frames // 2
            return x[:, mid : mid + 1] - y
        return y

    def forward_trimmed(
        self, x: torch.Tensor, sides: Sides
    ) -> tuple[torch.Tensor, tuple[int, int]]:
        """:meth:`Denoiser.forward_trimmed`: one pixel less per layer on each inner side."""
        y, (r, c) = run_trimmed(self.body, x, (0, 0), sides)
        if self.residual:
            mid = self.in_frames // 2
            y = x[:, mid : mid + 1, r : r + y.shape[-2], c : c + y.shape[-1]] - y
        return y, (r, c)
