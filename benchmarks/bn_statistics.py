"""How much a model's score depends on the running statistics of its batch norms.

A bias-free batch norm divides by the batch's standard deviation in training and by a
running one (momentum 0.1: mostly the last ten batches) in eval mode, so the network a model
file holds depends on which batches came last. This script scores a model on the validation
crops of a training config (the same crops, doses and noise draws its validation used), as
shipped, then after re-estimating only the running statistics, weights untouched:

- ``--recent N``: N more training batches of the config (forward passes in train mode, bf16
  autocast as in training, no gradient), once per ``--seeds`` value: the spread of scores is
  the lottery that every validation of a run draws from;
- ``--cumulative N``: the plain average over N batches (the population statistics);
- ``--cumulative-at DOSE``: the average over 100 batches with every patch at one dose
  (counts/px).

    python benchmarks/bn_statistics.py --config TRAIN.json --model bf-unet
        [--recent 20] [--seeds 1 2 3] [--cumulative 100 300] [--cumulative-at 11.25]
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Iterator
from pathlib import Path

import torch

from temdenoise.config import TrainConfig
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import load_model
from temdenoise.models.layers import BiasFreeBatchNorm2d
from temdenoise.noise import NoiseModel
from temdenoise.pretrained import resolve_model
from temdenoise.train.data import read_clean
from temdenoise.train.inputs import noise_and_doses, zoom_range
from temdenoise.train.patches import Source
from temdenoise.train.step import draw_batch
from temdenoise.train.validate import validate, validation_set


def main() -> None:
    """Parse the arguments, score the model each way, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="a temdenoise train config")
    parser.add_argument("--model", required=True, help="shipped name or model file")
    parser.add_argument("--recent", type=int, default=20, help="batches per --seeds value")
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--cumulative", type=int, nargs="*", default=[100, 300])
    parser.add_argument("--cumulative-at", type=float, nargs="*", default=[])
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = TrainConfig.model_validate(json.loads(args.config.read_text()))
    network = load_model(resolve_model(args.model)).network
    train = [s for s in (read_clean(p, "train") for p in config.data) if s is not None]
    held = [s for s in (read_clean(p, "test") for p in config.data) if s is not None]
    sets = [Source(s.images, zoom_range(s, config), s.movie) for s in train]
    noise, doses = noise_and_doses(config)
    images = validation_set(
        [s.images for s in held],
        noise=noise,
        doses=config.val_doses or (doses[0],),
        count=config.val_images,
        size=config.val_size,
        seed=config.seed,
        frames=network.in_frames,
        drift=config.drift,
    )
    cpu = torch.device("cpu")

    def score(net: Denoiser) -> float:
        return validate(net, images, cpu)["psnr_count"]

    def batches(seed: int, n: int, dose_range: tuple[float, float]) -> Iterator[torch.Tensor]:
        return _batches(config, sets, noise, network.in_frames, seed, n, dose_range)

    print(f"validation: {len(images)} crops of {config.val_size} px at {config.val_doses}")
    print(f"| {'running statistics':<46} | {'psnr_count':>10} |")
    print(f"|{'-' * 48}|{'-' * 12}|")
    print(f"| {'as in the model file':<46} | {score(network):>10.3f} |", flush=True)
    for seed in args.seeds:
        net = _refresh(network, batches(seed, args.recent, doses), cumulative=False)
        print(f"| {f'{args.recent} more batches, seed {seed}':<46} | {score(net):>10.3f} |")
    for n in args.cumulative:
        net = _refresh(network, batches(7, n, doses), cumulative=True)
        label = f"average over {n} batches ({doses[0]:g}-{doses[1]:g} counts/px)"
        print(f"| {label:<46} | {score(net):>10.3f} |", flush=True)
    for dose in args.cumulative_at:
        net = _refresh(network, batches(7, 100, (dose, dose)), cumulative=True)
        label = f"average over 100 batches at {dose:g} counts/px"
        print(f"| {label:<46} | {score(net):>10.3f} |", flush=True)


def _batches(
    config: TrainConfig,
    sets: list[Source],
    noise: NoiseModel,
    frames: int,
    seed: int,
    n: int,
    doses: tuple[float, float],
) -> Iterator[torch.Tensor]:
    """Noisy training batches divided by their doses, drawn as a training step draws them."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(n):
        _, _, noisy = draw_batch(sets, noise, doses, config, frames, generator, generator)
        yield noisy.contiguous(memory_format=torch.channels_last)


def _refresh(network: Denoiser, batches: Iterator[torch.Tensor], *, cumulative: bool) -> Denoiser:
    """A copy whose running statistics were updated by forward passes in train mode."""
    net = copy.deepcopy(network).to(memory_format=torch.channels_last).train()  # type: ignore[call-overload]
    norms = [m for m in net.modules() if isinstance(m, BiasFreeBatchNorm2d)]
    momenta = [m.momentum for m in norms]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        for i, x in enumerate(batches):
            if cumulative:  # the i-th batch weighs 1 / (i + 1): a plain average
                for m in norms:
                    m.momentum = 1.0 / (i + 1)
            net(x)
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    return net.eval()


if __name__ == "__main__":
    main()
