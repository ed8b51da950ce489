"""Self-supervised blind-spot loss: learn from noisy frames alone (pure, PyTorch).

A grid of pixels, one in every ``spacing`` x ``spacing`` block at a random phase, is
scored. In the middle frame of each window the scored pixels are hidden, and with
``hide_vertical`` so are the pixels just above and below them, whose noise a detector
may correlate with theirs (charge spreading along the readout direction). A hidden
pixel is replaced by the mean of the visible pixels of its 5 x 5 neighbourhood. The
network's output at a scored pixel then depends on no noise it could copy, so the
mean squared error against the raw noisy pixel is, in expectation, the error against
the clean signal plus the noise variance (Batson & Royer 2019, Noise2Self). The other
frames of a window carry independent noise and stay visible (as in UDVD).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

NEIGHBOURHOOD = 5
"""Side of the square whose visible pixels replace a hidden one."""


def blind_spot_inputs(
    windows: torch.Tensor,
    *,
    spacing: int = 4,
    hide_vertical: bool = True,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hide a grid of pixels in the middle frame of every window.

    Parameters
    ----------
    windows : torch.Tensor of shape (batch, frames, rows, columns)
        Noisy counts; ``frames`` is odd and the middle one is the target.
    spacing : int
        One pixel in every ``spacing`` x ``spacing`` block is scored (at least 3 when
        ``hide_vertical``, so that hidden neighbours never touch another scored pixel).
    hide_vertical : bool
        Also hide the pixels above and below each scored one.
    generator : torch.Generator
        Draws the grid's phase for each window.

    Returns
    -------
    inputs : torch.Tensor, same shape as ``windows``
        The windows with the hidden pixels replaced.
    scored : torch.Tensor of bool, shape (batch, 1, rows, columns)
        Where the loss is computed.

    """
    if spacing < (3 if hide_vertical else 2):
        raise ValueError(f"spacing must be at least {3 if hide_vertical else 2}, got {spacing}")
    batch, frames, rows, columns = windows.shape
    mid = frames // 2
    phase = torch.randint(0, spacing, (batch, 2), generator=generator).tolist()
    scored = torch.zeros((batch, 1, rows, columns), dtype=torch.bool)
    for b, (dr, dc) in enumerate(phase):
        scored[b, 0, dr::spacing, dc::spacing] = True
    scored = scored.to(windows.device)
    hidden = scored.clone()
    if hide_vertical:
        hidden[:, :, 1:] |= scored[:, :, :-1]
        hidden[:, :, :-1] |= scored[:, :, 1:]
    middle = windows[:, mid : mid + 1]
    visible = (~hidden).to(windows.dtype)
    kernel = torch.ones((1, 1, NEIGHBOURHOOD, NEIGHBOURHOOD), dtype=windows.dtype)
    kernel = kernel.to(windows.device)
    pad = NEIGHBOURHOOD // 2
    total = F.conv2d(middle * visible, kernel, padding=pad)
    count = F.conv2d(visible, kernel, padding=pad).clamp(min=1)
    inputs = windows.clone()
    inputs[:, mid : mid + 1] = torch.where(hidden, total / count, middle)
    return inputs, scored


def blind_spot_loss(
    estimate: torch.Tensor, windows: torch.Tensor, scored: torch.Tensor
) -> torch.Tensor:
    """Mean squared error at the scored pixels against the noisy middle frame.

    Divided by the mean count of the batch, the Poisson variance, so that the loss
    reads alike at every dose.
    """
    mid = windows.shape[1] // 2
    noisy = windows[:, mid : mid + 1]
    error = (estimate - noisy).pow(2)[scored].mean()
    return error / noisy.mean().clamp(min=1e-6)
