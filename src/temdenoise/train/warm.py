"""Start a network from the weights of a trained model (fine-tuning, frame inflation)."""

from __future__ import annotations

from typing import Literal

import torch

from temdenoise.models.base import Denoiser


def warm_start(
    network: Denoiser, source: Denoiser, *, frames: Literal["mean", "middle"] = "mean"
) -> None:
    """Copy ``source``'s weights into ``network`` (same architecture, in place).

    The two may differ only in how many frames they take. A one-frame source seeds a
    ``k``-frame network through its input layer. With ``frames="mean"`` its weights are
    divided evenly over the ``k`` frames: the new network starts as the source applied to
    the mean of the ``k`` frames, which for a still scene is already the source at ``k``
    times the dose (and blurs what moves). With ``frames="middle"`` they go to the middle
    frame and the others start at zero: the new network starts as exactly the source,
    and training teaches it what the neighbours add.

    Raises
    ------
    ValueError
        If the architectures differ otherwise, or the source takes several frames and
        the network a different number.
    """
    ours = {k: v for k, v in network.arch_params().items() if k != "in_frames"}
    theirs = {k: v for k, v in source.arch_params().items() if k != "in_frames"}
    if type(network) is not type(source) or ours != theirs:
        raise ValueError(
            f"cannot start a {type(network).__name__} {ours} from a "
            f"{type(source).__name__} {theirs}: architectures differ"
        )
    k = network.in_frames
    if source.in_frames not in (1, k):
        raise ValueError(
            f"cannot start a {k}-frame network from a {source.in_frames}-frame one "
            "(only one frame spreads over several)"
        )
    target = network.state_dict()
    state = {}
    for name, weight in source.state_dict().items():
        if weight.shape != target[name].shape:  # the input layer: (out, 1, ...) -> (out, k, ...)
            if frames == "mean":
                weight = weight.expand(weight.shape[0], k, *weight.shape[2:]) / k
            elif frames == "middle":
                spread = torch.zeros(weight.shape[0], k, *weight.shape[2:], dtype=weight.dtype)
                spread[:, k // 2] = weight[:, 0]
                weight = spread
            else:
                raise ValueError(f"frames must be 'mean' or 'middle', got {frames!r}")
        state[name] = weight.to(target[name].dtype)
    with torch.no_grad():
        network.load_state_dict(state, strict=True)
