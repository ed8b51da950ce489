"""Speed of the shipped architectures with their norms folded into the convolutions, or not.

``temdenoise.models.layers.fold_norms`` is what the denoiser runs (the same function, one
pass fewer over every activation). This times one forward pass of each architecture on a
batch of one ``--size``^2 frame, channels_last as the denoiser runs it, plain and folded in
turn (interleaved, ``--repeats`` times, after a warm-up; the best of each is printed, since
this machine is shared). Weights are random; the norms' scales are drawn as a training
leaves them (speed does not depend on them).

    python benchmarks/fold_norms.py [--size 1024] [--threads 1] [--repeats 3]
        [--precision fp32 bf16] [--device cpu]
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch
from throughput import NETWORKS  # the shipped architectures (benchmarks/ is on the path)

from temdenoise._heap import reuse_freed_memory
from temdenoise.infer import describe_device, resolve_device
from temdenoise.models import BiasFreeBatchNorm2d
from temdenoise.models.layers import fold_norms


def seconds(net: torch.nn.Module, x: torch.Tensor, device: torch.device) -> float:
    """Wall time of one forward pass."""
    start = time.perf_counter()
    net(x)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"])
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    print(f"device: {describe_device(device)}; one frame of {args.size}^2 per call, MP/s")
    print(f"{'network':<14} {'precision':<9} {'plain':>7} {'folded':>7} {'speed-up':>8}")
    torch.manual_seed(0)
    for name, build in NETWORKS.items():
        plain = build().eval()
        with torch.no_grad():
            for module in plain.modules():
                if isinstance(module, BiasFreeBatchNorm2d):
                    module.running_sd.uniform_(0.3, 3.0)
        folded = fold_norms(plain).to(device).to(memory_format=torch.channels_last)
        plain = plain.to(device).to(memory_format=torch.channels_last)
        x = torch.rand(1, plain.in_frames, args.size, args.size, device=device)
        x = x.contiguous(memory_format=torch.channels_last)
        for precision in args.precision:
            autocast = (
                torch.autocast(device.type, dtype=torch.bfloat16)
                if precision == "bf16"
                else contextlib.nullcontext()
            )
            best = {"plain": float("inf"), "folded": float("inf")}
            with reuse_freed_memory(), torch.inference_mode(), autocast:
                plain(x), folded(x)  # warm-up: kernels and memory for this shape
                for _ in range(args.repeats):
                    for label, net in (("plain", plain), ("folded", folded)):
                        best[label] = min(best[label], seconds(net, x, device))
            mps = {k: args.size**2 / v / 1e6 for k, v in best.items()}
            ratio = mps["folded"] / mps["plain"]
            print(
                f"{name:<14} {precision:<9} {mps['plain']:>7.3f} {mps['folded']:>7.3f} "
                f"{ratio:>7.2f}x"
            )


if __name__ == "__main__":
    main()
