"""Neighbor2Neighbor (Huang et al., CVPR 2021), written here, trained on the noisy stack itself.

Each 2x2 cell of a noisy image gives two neighbouring pixels, drawn at random: the two
half-size images ``g1(y)`` and ``g2(y)`` carry independent noise on almost the same signal,
so a network ``f`` trained to map one to the other learns to denoise. The regulariser
``gamma |f(g1 y) - g2 y - (g1 f(y) - g2 f(y))|^2`` (with ``f(y)`` not back-propagated)
corrects for the small shift between the two. Written in the script because deepinv
0.5.0 imports torchvision at import time (see the README). The network is a small UNet
of ours; training is time-boxed to a fixed number of steps on one core.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from common import Result

if TYPE_CHECKING:
    import torch

STEPS = 400
BATCH = 8
PATCH = 96
"""Full-resolution patch; the network trains on its two 48 x 48 sub-images."""
GAMMA = 2.0
WIDTH = 32


def run(noisy: np.ndarray, *, dose: float, seed: int) -> Result:
    """Train on ``noisy`` (counts, shape (images, rows, columns)), then denoise it.

    The network sees counts divided by ``dose`` (vacuum about 1) and its output is scaled
    back to counts.
    """
    import torch

    torch.manual_seed(seed)
    scaled = torch.from_numpy(noisy / np.float32(dose))
    network = _unet(WIDTH)
    started = time.perf_counter()
    _train(network, scaled, np.random.default_rng(seed))
    trained = time.perf_counter()
    estimate = _apply(network, scaled) * np.float32(dose)
    finished = time.perf_counter()
    note = f"{STEPS} steps of {BATCH}x{PATCH}^2, gamma {GAMMA:g}"
    return Result(estimate, finished - trained, trained - started, note)


def _train(network: torch.nn.Module, images: torch.Tensor, rng: np.random.Generator) -> None:
    import torch

    optimiser = torch.optim.Adam(network.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.MultiStepLR(
        optimiser, milestones=[STEPS // 2, 3 * STEPS // 4], gamma=0.5
    )
    network.train()
    for _ in range(STEPS):
        y = _patches(images, rng)
        mask1, mask2 = _neighbour_masks(y.shape, rng)
        g1, g2 = _subsample(y, mask1), _subsample(y, mask2)
        with torch.no_grad():
            full = network(y)
        out = network(g1)
        target_shift = _subsample(full, mask1) - _subsample(full, mask2)
        loss = torch.mean((out - g2) ** 2) + GAMMA * torch.mean((out - g2 - target_shift) ** 2)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    network.eval()


def _patches(images: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """A batch of random patches with random flips, shape (BATCH, 1, PATCH, PATCH)."""
    import torch

    n, rows, cols = images.shape
    out = []
    for _ in range(BATCH):
        i, r, c = rng.integers(n), rng.integers(rows - PATCH + 1), rng.integers(cols - PATCH + 1)
        patch = images[i, r : r + PATCH, c : c + PATCH]
        patch = torch.rot90(patch, int(rng.integers(4)))
        out.append(torch.flip(patch, (0,)) if rng.integers(2) else patch)
    return torch.stack(out)[:, None]


def _neighbour_masks(
    shape: tuple[int, ...], rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two masks picking, in each 2x2 cell, two different pixels that share an edge."""
    import torch

    n, _, rows, cols = shape
    cells = (n, rows // 2, cols // 2)
    # The 4 pixels of a cell are 0 1 / 2 3; the 8 ordered edge-sharing pairs:
    pairs = np.array([(0, 1), (0, 2), (1, 0), (1, 3), (2, 0), (2, 3), (3, 1), (3, 2)])
    chosen = pairs[rng.integers(len(pairs), size=cells)]
    masks = []
    for k in range(2):
        onehot = np.eye(4, dtype=bool)[chosen[..., k]]  # (n, rows/2, cols/2, 4)
        mask = onehot.reshape(n, rows // 2, cols // 2, 2, 2).transpose(0, 1, 3, 2, 4)
        masks.append(torch.from_numpy(mask.reshape(n, 1, rows, cols).copy()))
    return masks[0], masks[1]


def _subsample(images: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The pixels of ``images`` (N, 1, rows, cols) picked by ``mask``, at half size."""
    n, c, rows, cols = images.shape
    return images[mask.expand_as(images)].reshape(n, c, rows // 2, cols // 2)


def _apply(network: torch.nn.Module, images: torch.Tensor) -> np.ndarray:
    """Denoise each full image, reflect-padded to a multiple of 4 and cropped back."""
    import torch
    import torch.nn.functional as F

    out = []
    with torch.no_grad():
        for image in images:
            rows, cols = image.shape
            pad = (0, -cols % 4, 0, -rows % 4)
            x = F.pad(image[None, None], pad, mode="reflect")
            out.append(network(x)[0, 0, :rows, :cols].numpy())
    return np.stack(out).astype(np.float32)


def _unet(width: int) -> torch.nn.Module:
    """A two-level UNet, 1 -> 1 channel, for inputs whose sides are multiples of 4."""
    import torch
    from torch import nn

    def block(cin: int, cout: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(cout, cout, 3, padding=1),
            nn.LeakyReLU(0.1),
        )

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc1, self.enc2 = block(1, width), block(width, 2 * width)
            self.mid = block(2 * width, 4 * width)
            self.up2 = nn.ConvTranspose2d(4 * width, 2 * width, 2, stride=2)
            self.dec2 = block(4 * width, 2 * width)
            self.up1 = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
            self.dec1 = block(2 * width, width)
            self.out = nn.Conv2d(width, 1, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            e1 = self.enc1(x)
            e2 = self.enc2(nn.functional.max_pool2d(e1, 2))
            m = self.mid(nn.functional.max_pool2d(e2, 2))
            d2 = self.dec2(torch.cat([self.up2(m), e2], 1))
            d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
            return self.out(d1)

    return UNet()
