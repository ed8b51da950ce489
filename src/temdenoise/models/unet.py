"""Bias-free UNet with a large field of view."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from temdenoise.models.base import Denoiser, check_in_frames
from temdenoise.models.layers import ChannelSum, conv_bn_relu
from temdenoise.models.trim import Sides, even, run_trimmed

MIN_SCALES = 2
MAX_SCALES = 6


class BFUNet(Denoiser):
    """Bias-free UNet.

    Each scale has ``convs_per_block`` conv -> bias-free batch norm -> ReLU layers on
    the way down and again on the way up. Scales are joined by 2x2 average pooling
    and 2x2 stride-2 transposed convolutions without bias; skip connections
    concatenate. Channels are ``width * 2**s`` at scale ``s``, capped at ``8 * width``.
    A final 1x1 convolution without bias (:class:`ChannelSum`) gives one channel.

    Parameters
    ----------
    scales : int
        Number of resolution levels, 2 to 6. The downsampling factor is
        ``2 ** (scales - 1)``.
    width : int
        Channels at full resolution.
    convs_per_block : int
        Convolution layers per block (>= 1).
    in_frames : int
        Consecutive frames in; the middle one is denoised.
    residual : bool
        Output the middle frame minus the predicted noise (True) or the clean
        image directly (False, default).

    """

    arch: ClassVar[str] = "unet"

    def __init__(
        self,
        *,
        scales: int = 4,
        width: int = 32,
        convs_per_block: int = 2,
        in_frames: int = 1,
        residual: bool = False,
    ) -> None:
        super().__init__()
        if not MIN_SCALES <= scales <= MAX_SCALES:
            raise ValueError(f"scales must be {MIN_SCALES} to {MAX_SCALES}, got {scales}")
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        if convs_per_block < 1:
            raise ValueError(f"convs_per_block must be >= 1, got {convs_per_block}")
        self.scales = scales
        self.width = width
        self.convs_per_block = convs_per_block
        self._in_frames = check_in_frames(in_frames)
        self.residual = residual
        ch = [width * 2 ** min(s, 3) for s in range(scales)]
        self.channels = ch

        def block(c_in: int, c_out: int) -> nn.Sequential:
            layers = [conv_bn_relu(c_in, c_out)]
            layers += [conv_bn_relu(c_out, c_out) for _ in range(convs_per_block - 1)]
            return nn.Sequential(*layers)

        self.down = nn.ModuleList(
            [block(in_frames if s == 0 else ch[s - 1], ch[s]) for s in range(scales)]
        )
        self.pool = nn.AvgPool2d(2)
        self.up = nn.ModuleList(
            [
                nn.ConvTranspose2d(ch[s + 1], ch[s], kernel_size=2, stride=2, bias=False)
                for s in range(scales - 1)
            ]
        )
        self.merge = nn.ModuleList([block(2 * ch[s], ch[s]) for s in range(scales - 1)])
        self.head = ChannelSum(ch[0])

    @property
    def in_frames(self) -> int:
        return self._in_frames

    @property
    def downsampling(self) -> int:
        return int(2 ** (self.scales - 1))

    @property
    def receptive_radius(self) -> int:
        return unet_receptive_radius(self.scales, self.convs_per_block)

    @property
    def exact_margin(self) -> int:
        return unet_exact_margin(self.scales, self.convs_per_block)

    @property
    def activation_bytes_per_pixel(self) -> int:
        per_pixel = sum(5 * c / 4**s for s, c in enumerate(self.channels))
        return int(np.ceil(per_pixel * 4))

    def arch_params(self) -> dict[str, Any]:
        return {
            "scales": self.scales,
            "width": self.width,
            "convs_per_block": self.convs_per_block,
            "in_frames": self.in_frames,
            "residual": self.residual,
        }

    def _check_shape(self, x: torch.Tensor) -> None:
        d = self.downsampling
        if x.shape[-2] % d or x.shape[-1] % d:
            raise ValueError(
                f"input of {x.shape[-2]} x {x.shape[-1]} px is not a multiple of the "
                f"UNet's downsampling factor {d}"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Denoise ``x`` of shape (N, in_frames, rows, columns) -> (N, 1, rows, columns).

        ``rows`` and ``columns`` must be multiples of ``downsampling``.
        """
        self._check_shape(x)
        skips = []
        h = x
        for s, block in enumerate(self.down):
            if s > 0:
                h = self.pool(h)
            h = block(h)
            skips.append(h)
        for s in reversed(range(self.scales - 1)):
            h = self.merge[s](torch.cat([skips[s], self.up[s](h)], dim=1))
        y: torch.Tensor = self.head(h)
        if self.residual:
            mid = self.in_frames // 2
            return x[:, mid : mid + 1] - y
        return y

    def forward_trimmed(
        self, x: torch.Tensor, sides: Sides
    ) -> tuple[torch.Tensor, tuple[int, int]]:
        """:meth:`Denoiser.forward_trimmed`: valid convolutions on the inner sides.

        Each 3x3 convolution drops its wrong border there; before pooling a side is cut
        to an even offset; a skip is cut to the positions the upsampled path still has.
        The decoder's full-resolution block, as wide as the encoder's, then runs on
        little more than the core.
        """
        self._check_shape(x)
        skips = []
        h, offset = x, (0, 0)
        for s, block in enumerate(self.down):
            if s > 0:
                h, offset = even(h, offset)
                h, offset = self.pool(h), (offset[0] // 2, offset[1] // 2)
            h, offset = run_trimmed(block, h, offset, sides)
            skips.append((h, offset))
        for s in reversed(range(self.scales - 1)):
            up = self.up[s](h)
            offset = (2 * offset[0], 2 * offset[1])
            skip, (r, c) = skips[s]
            r, c = offset[0] - r, offset[1] - c
            skip = skip[..., r : r + up.shape[-2], c : c + up.shape[-1]]
            h, offset = run_trimmed(self.merge[s], torch.cat([skip, up], dim=1), offset, sides)
        y: torch.Tensor = self.head(h)
        if self.residual:
            mid = self.in_frames // 2
            r, c = offset
            y = x[:, mid : mid + 1, r : r + y.shape[-2], c : c + y.shape[-1]] - y
        return y, offset


def unet_receptive_radius(scales: int, convs_per_block: int) -> int:
    """Exact receptive radius of :class:`BFUNet`, from its dependency structure.

    Follows the forward pass along one axis, tracking for every feature position
    the lowest and highest input index it depends on (3x3 convolutions widen by one
    position, pooling merges pairs, transposed convolutions copy a parent,
    concatenation takes the union). The largest reach over one period of the
    downsampling grid is the radius.
    """
    period = 2 ** (scales - 1)
    bound = 2 * convs_per_block * 2 * period + 2 * period  # generous upper bound on the reach
    n = period * (2 * (bound // period + 2) + 1)
    lo = np.arange(n)
    hi = np.arange(n)

    def conv(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        for _ in range(convs_per_block):
            lo = np.minimum.reduce([np.roll(lo, 1), lo, np.roll(lo, -1)])
            hi = np.maximum.reduce([np.roll(hi, 1), hi, np.roll(hi, -1)])
        return lo, hi

    skips = []
    for s in range(scales):
        if s > 0:
            lo, hi = lo.reshape(-1, 2).min(axis=1), hi.reshape(-1, 2).max(axis=1)
        lo, hi = conv(lo, hi)
        skips.append((lo, hi))
    for s in reversed(range(scales - 1)):
        lo, hi = np.repeat(lo, 2), np.repeat(hi, 2)
        lo, hi = np.minimum(lo, skips[s][0]), np.maximum(hi, skips[s][1])
        lo, hi = conv(lo, hi)
    centre = np.arange(n // 2 - n // 2 % period, n // 2 - n // 2 % period + period)
    reach = np.maximum(centre - lo[centre], hi[centre] - centre)
    return int(reach.max())


def unet_exact_margin(scales: int, convs_per_block: int) -> int:
    """Pixels :meth:`BFUNet.forward_trimmed` drops on an inner side of an aligned window.

    Follows the first exact position on a side down and up the UNet: each 3x3 convolution
    moves it in by one, pooling first rounds it up to even, then halves it; upsampling
    doubles it. By symmetry the far side loses as many.
    """
    start = 0
    for s in range(scales):
        if s > 0:
            start = (start + 1) // 2  # rounded up to even, then halved
        start += convs_per_block
    for _ in range(scales - 1):
        start = 2 * start + convs_per_block
    return start
