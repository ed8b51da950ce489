"""An exponential moving average of a network's weights over the steps of a run.

With a small batch the weights after any one step wander around the minimum by the noise
of that batch's gradient; their average over the last few thousand steps sits nearer to it
(Polyak averaging). The average is bias-corrected, as Adam corrects its moments: after
``t`` steps it is ``sum_i (1 - d) d^(t - i) w_i / (1 - d^t)``, an average of this run's
weights only, whatever the weights it started from.
"""

from __future__ import annotations

import copy
from typing import Any

import torch


class WeightAverage:
    """The running average, with decay ``decay`` per step, of ``network``'s float state."""

    def __init__(self, network: torch.nn.Module, decay: float) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"the decay must lie in (0, 1), got {decay}")
        self.decay = decay
        self.count = 0
        self.sums = {
            k: torch.zeros_like(v, dtype=torch.float32)
            for k, v in network.state_dict().items()
            if v.is_floating_point()
        }
        self._shadow: torch.nn.Module | None = None

    @torch.no_grad()
    def update(self, network: torch.nn.Module) -> None:
        """Add the network's current weights (after a step) to the average."""
        self.count += 1
        for key, value in network.state_dict().items():
            if key in self.sums:
                self.sums[key].mul_(self.decay).add_(value.float(), alpha=1 - self.decay)

    def weights(self, network: torch.nn.Module) -> dict[str, torch.Tensor]:
        """Return the averaged state dict (``network``'s own for integers or before any step)."""
        if self.count == 0:
            return {k: v.detach().clone() for k, v in network.state_dict().items()}
        scale = 1.0 / (1.0 - self.decay**self.count)
        return {
            k: (self.sums[k] * scale).to(v.dtype) if k in self.sums else v.detach().clone()
            for k, v in network.state_dict().items()
        }

    def averaged(self, network: torch.nn.Module) -> torch.nn.Module:
        """Return a copy of ``network`` (kept for reuse) with the averaged weights, in eval mode."""
        if self._shadow is None:
            self._shadow = copy.deepcopy(network).requires_grad_(False)
        self._shadow.load_state_dict(self.weights(network))
        return self._shadow.eval()

    def state_dict(self) -> dict[str, Any]:
        """Return what a checkpoint needs to continue the average exactly."""
        return {"decay": self.decay, "count": self.count, "sums": self.sums}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue the average saved by :meth:`state_dict`."""
        if float(state["decay"]) != self.decay or set(state["sums"]) != set(self.sums):
            raise ValueError("the saved average belongs to another decay or network")
        self.count = int(state["count"])
        self.sums = {k: v.to(self.sums[k].device).float() for k, v in state["sums"].items()}
