"""Counting stages: expected counts per pixel per frame -> integer electron counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from temdenoise.noise.base import NoiseStage, register

if TYPE_CHECKING:
    import torch


@register
@dataclass(frozen=True)
class Poisson(NoiseStage):
    """Shot noise: counts ~ Poisson(expected).

    The dose enters through the expected image (``clean * dose``, see
    :meth:`~temdenoise.noise.base.NoiseModel.corrupt`); the stage has no parameter.
    """

    kind = "poisson"
    counting = True

    def sample(self, values: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        return rng.poisson(np.asarray(values, dtype=np.float64)).astype(np.float32)

    def sample_torch(self, values: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        import torch

        return torch.poisson(values.to(torch.float32), generator=generator)

    def params(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Poisson:
        if params:
            raise ValueError(f"unexpected parameters {sorted(params)}")
        return cls()

    def pmf(self, expected: np.ndarray, n_values: int) -> np.ndarray:
        """P(k | expected) for k = 0 .. n_values - 1; shape (*expected.shape, n_values)."""
        return poisson_pmf(expected, n_values)


def poisson_pmf(expected: np.ndarray, n_values: int) -> np.ndarray:
    """Poisson probabilities of k = 0 .. n_values - 1, shape (*expected.shape, n_values)."""
    from scipy.special import gammaln, xlogy

    lam = np.asarray(expected, dtype=np.float64)[..., None]
    k = np.arange(n_values, dtype=np.float64)
    return np.asarray(np.exp(xlogy(k, lam) - lam - gammaln(k + 1)))


@register
@dataclass(frozen=True, eq=False)
class Categorical(NoiseStage):
    """Empirical count distribution P(k | lambda) measured on real frames.

    For ``n_bins`` values of the expected counts ``lambdas`` the model stores a
    probability table over counts k = 0 .. n_values - 1. Between two tabulated lambdas
    the distribution is the linear mixture of its neighbours (so the mean is linear in
    lambda); below the first one it mixes with the point mass at k = 0 (lambda = 0
    gives no counts); above the last one it adds Poisson(lambda - lambdas[-1]) to a draw
    from the last row, which keeps the mean right.

    Parameters
    ----------
    lambdas : ndarray of shape (n_bins,)
        Strictly increasing expected counts per pixel per frame, > 0.
    probabilities : ndarray of shape (n_bins, n_values)
        Row i: P(k | lambdas[i]); rows are normalised on construction.

    """

    lambdas: np.ndarray
    probabilities: np.ndarray

    kind = "categorical"
    counting = True

    def __post_init__(self) -> None:
        lam = np.asarray(self.lambdas, dtype=np.float64).reshape(-1)
        prob = np.asarray(self.probabilities, dtype=np.float64)
        if prob.ndim != 2 or prob.shape[0] != lam.size or prob.shape[1] < 2:
            raise ValueError(
                f"probabilities must have shape (n_bins={lam.size}, n_values >= 2), "
                f"got {prob.shape}"
            )
        if lam.size < 1 or not np.all(np.isfinite(lam)) or lam[0] <= 0:
            raise ValueError("lambdas must be finite and > 0")
        if np.any(np.diff(lam) <= 0):
            raise ValueError("lambdas must be strictly increasing")
        if not np.all(np.isfinite(prob)) or np.any(prob < 0) or np.any(prob.sum(1) <= 0):
            raise ValueError("probabilities must be finite, >= 0, with positive row sums")
        prob = prob / prob.sum(1, keepdims=True)
        object.__setattr__(self, "lambdas", lam)
        object.__setattr__(self, "probabilities", prob)

    @property
    def n_values(self) -> int:
        """Number of count values k = 0 .. n_values - 1 in the table."""
        return int(self.probabilities.shape[1])

    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """Tabulated lambdas with the lambda = 0 anchor, and their CDFs (n_bins + 1, V)."""
        anchor = np.zeros((1, self.n_values))
        anchor[0, 0] = 1.0
        lam = np.concatenate([[0.0], self.lambdas])
        cdf = np.cumsum(np.concatenate([anchor, self.probabilities]), axis=1)
        cdf[:, -1] = 1.0
        return lam, cdf

    def _weights(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lower table row, weight of the upper row, and the Poisson excess per value."""
        lam, _ = self._table()
        clipped = np.minimum(values, lam[-1])
        upper = np.clip(np.searchsorted(lam, clipped, side="right"), 1, lam.size - 1)
        lower = upper - 1
        weight = (clipped - lam[lower]) / (lam[upper] - lam[lower])
        return lower, np.clip(weight, 0.0, 1.0), np.maximum(values - lam[-1], 0.0)

    def pmf(self, expected: np.ndarray) -> np.ndarray:
        """P(k | expected) without the Poisson tail above the table; (*shape, n_values)."""
        values = np.asarray(expected, dtype=np.float64)
        lower, weight, _ = self._weights(values)
        lam_probs = np.concatenate([np.eye(1, self.n_values), self.probabilities])
        w = weight[..., None]
        return np.asarray((1 - w) * lam_probs[lower] + w * lam_probs[lower + 1])

    def sample(self, values: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        _, cdf = self._table()
        lower, weight, excess = self._weights(values)
        row = lower + (rng.random(values.shape) < weight)
        u = rng.random(values.shape)
        counts = np.zeros(values.shape, dtype=np.float32)
        for k in range(self.n_values - 1):  # k counts where u exceeds the CDF at k
            counts += u > cdf[row, k]
        if np.any(excess > 0):
            counts += rng.poisson(excess).astype(np.float32)
        return counts

    def sample_torch(self, values: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        import torch

        device = values.device
        lam_np, cdf_np = self._table()
        lam = torch.as_tensor(lam_np, dtype=torch.float32, device=device)
        cdf = torch.as_tensor(cdf_np, dtype=torch.float32, device=device)
        x = values.to(torch.float32)
        clipped = torch.minimum(x, lam[-1])
        upper = torch.searchsorted(lam, clipped.contiguous(), right=True).clamp(1, lam.numel() - 1)
        lower = upper - 1
        weight = ((clipped - lam[lower]) / (lam[upper] - lam[lower])).clamp(0.0, 1.0)
        pick = torch.rand(x.shape, generator=generator, device=device) < weight
        row = lower + pick.to(lower.dtype)
        u = torch.rand(x.shape, generator=generator, device=device)
        counts = torch.zeros_like(x)
        for k in range(self.n_values - 1):
            counts += (u > cdf[:, k][row]).to(torch.float32)
        excess = (x - lam[-1]).clamp_min(0.0)
        return counts + torch.poisson(excess, generator=generator)

    def params(self) -> dict[str, Any]:
        return {
            "lambdas": [float(v) for v in self.lambdas],
            "probabilities": [[float(p) for p in row] for row in self.probabilities],
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Categorical:
        extra = set(params) - {"lambdas", "probabilities"}
        if extra:
            raise ValueError(f"unexpected parameters {sorted(extra)}")
        return cls(
            lambdas=np.asarray(params["lambdas"], dtype=np.float64),
            probabilities=np.asarray(params["probabilities"], dtype=np.float64),
        )

    def label(self) -> str:
        """Short text: table size and range."""
        return (
            f"categorical({self.lambdas.size} intensities {self.lambdas[0]:.3g}.."
            f"{self.lambdas[-1]:.3g}, counts 0..{self.n_values - 1})"
        )

    def mean(self) -> np.ndarray:
        """Mean count of each tabulated row, shape (n_bins,)."""
        return np.asarray(self.probabilities @ np.arange(self.n_values, dtype=np.float64))
