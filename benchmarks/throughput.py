"""Throughput and memory of `temdenoise denoise`, file to file.

(a) the ceiling: the network alone on frames already in memory, about a megapixel per call
    (frames larger than 1024^2 in 1024^2 pieces without halo), warmed up first; and what it
    achieves in TFLOP/s (its convolutions' multiply-adds per pixel, counted) against the
    device's matrix ceiling, measured here on large square matrix products (bf16, or
    fp32 on a CPU where bf16 is emulated);
(b) `run_denoise` from an NPY movie on disk to a Zarr output (reading, tiling,
    compute and writing, pipelined), and the ratio (b)/(a); within (b), the share of its
    time spent in the network's calls (what reading, tiling, copying and writing leave to
    the network, measured in the same minutes, so this shared machine's drift cancels) and
    the network's work per frame pixel (convolution multiply-adds against one pass over the
    frame: what its calls spend on halo and extension, after the halo is trimmed);
(d) with ``--detector-pixel-size A``: the seed's regime, a movie of 0.45 counts/px at A
    angstrom/px denoised by a model of the shipped grid (0.25 A/px, trained over 0.15-0.4):
    binned by area, denoised, enlarged back; throughput in input (detector) megapixels,
    in model-grid megapixels and in frames per second, against the seed's stream (64 MP
    frames at 400 fps, 25.6 GP/s: "devices" is how many devices like this one it needs)
    and the network's share of the wall time (the rest: reading, binning, enlarging,
    writing and the job's start, where they do not overlap the network);
(c) peak resident memory of the `temdenoise denoise` command on synthetic movies of
    several GB (generated here and removed after) with a one-channel network, so that
    reading and writing dominate: it must not grow with the movie's size.

Weights are random (throughput does not depend on them). Prints tables and writes JSON.

    python benchmarks/throughput.py [--size 256] [--frames 8] [--gb 1 4 16] [-o out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from temdenoise._heap import reuse_freed_memory
from temdenoise.config import DenoiseConfig
from temdenoise.infer import describe_device, resolve_device
from temdenoise.infer.device import cpu_has_native_bf16
from temdenoise.infer.job import run_denoise
from temdenoise.models import ARCHITECTURES, BFDnCNN, BFUNet
from temdenoise.models.base import Denoiser
from temdenoise.models.checkpoint import save_model
from temdenoise.models.layers import fold_norms

NETWORKS = {
    "dncnn-20x64": lambda: BFDnCNN(),
    "unet-4x32": lambda: BFUNet(scales=4, width=32),
    "unet-4x32-5f": lambda: BFUNet(scales=4, width=32, in_frames=5),
}
"""The shipped models' architectures: seed-dncnn, bf-unet and bf-unet-5f."""

# Peak resident memory of the denoise process itself: VmHWM. (ru_maxrss of a forked child
# also counts what its parent held at the fork.)
CHILD = """
import sys
from temdenoise.cli import main
code = main(sys.argv[1:])
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")]
print("maxrss_kib", hwm[0])
sys.exit(code)
"""


CEILING_SIDE = 1024
"""Larger frames are timed in pieces of this side (no halo): the network's own best."""


def ceiling(net, size, frames, device, precision):
    side = min(size, CEILING_SIDE)
    pieces = frames * (size // side) ** 2
    x = torch.from_numpy(
        np.random.default_rng(0)
        .poisson(0.45, (pieces, net.in_frames, side, side))
        .astype(np.float32)
    ).to(device)
    x = x.contiguous(memory_format=torch.channels_last)  # as the denoiser runs it
    # the network as the denoiser runs it: norms folded, channels_last
    net = fold_norms(net).to(device).to(memory_format=torch.channels_last)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    calls = x.split(max(1, CEILING_SIDE**2 // side**2))  # about one megapixel per call
    # freed memory kept for reuse as the denoiser keeps it; the warm-up maps it and builds
    # the kernels for the timed shape
    with reuse_freed_memory(), torch.inference_mode(), autocast:
        net(calls[0])
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for piece in calls:
            net(piece)
        if device.type == "cuda":
            torch.cuda.synchronize()
    return pieces * side * side / (time.perf_counter() - start) / 1e6


def flops_per_pixel(net):
    """Floating-point operations of ``net``'s convolutions per input pixel (2 per multiply-add).

    Counted with hooks on a CPU copy at 128^2 (pooling halves it exactly to 8^2).
    """
    import copy

    count = 0

    def hook(module, args, output):
        nonlocal count
        k = module.kernel_size[0] * module.kernel_size[1] // module.groups
        if isinstance(module, torch.nn.ConvTranspose2d):
            count += 2 * args[0].numel() * module.out_channels * k
        else:
            count += 2 * output.numel() * module.in_channels * k

    probe = copy.deepcopy(net).float().cpu().eval()
    handles = [
        m.register_forward_hook(hook)
        for m in probe.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))
    ]
    with torch.inference_mode():
        probe(torch.zeros(1, probe.in_frames, 128, 128))
    for handle in handles:
        handle.remove()
    return count / 128**2


def matmul_ceiling(device):
    """TFLOP/s of square matrix products on ``device``, and the dtype they ran in.

    bf16, n = 8192 on a GPU and 2048 on a CPU with native bf16. On a CPU without it bf16 is
    emulated (one product of 1024^2 took 2.2 s on an AVX2-only CPU) and ``--precision
    auto`` runs fp32 there, so the ceiling is fp32 products of 2048^2. Products repeated
    until half a second has passed, after three to warm up.
    """
    dtype = torch.bfloat16 if device.type == "cuda" or cpu_has_native_bf16() else torch.float32
    n = 8192 if device.type == "cuda" else 2048
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    with torch.inference_mode():
        for _ in range(3):
            a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        repeats, start = 0, time.perf_counter()
        while repeats < 50 and (repeats < 1 or time.perf_counter() - start < 0.5):
            a @ b
            if device.type == "cuda":
                torch.cuda.synchronize()
            repeats += 1
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e12, str(dtype).split(".")[-1]


class NetworkClock:
    """Seconds and work of every network call while it is entered.

    The denoiser calls a network through ``forward_trimmed`` (its halo trimmed as it goes),
    which is timed here by wrapping it on every architecture; the work is the multiply-adds
    of every convolution, counted by global hooks (``flops``, as :func:`flops_per_pixel`
    counts them). Timed inside the file-to-file run itself, so that the network's share of
    that run does not depend on how fast this shared machine happens to be in another minute.
    """

    def __init__(self, device):
        self.device, self.seconds, self.flops = device, 0.0, 0

    def __enter__(self):
        self._saved = {}
        for cls in {Denoiser, *ARCHITECTURES.values()}:
            if "forward_trimmed" in vars(cls):
                self._saved[cls] = vars(cls)["forward_trimmed"]
                cls.forward_trimmed = self._timed(vars(cls)["forward_trimmed"])
        self._handle = torch.nn.modules.module.register_module_forward_hook(self._count)
        return self

    def __exit__(self, *exc):
        self._handle.remove()
        for cls, method in self._saved.items():
            cls.forward_trimmed = method

    def _sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def _timed(self, method):
        def timed(net, x, sides):
            self._sync()
            start = time.perf_counter()
            result = method(net, x, sides)
            self._sync()
            self.seconds += time.perf_counter() - start
            return result

        return timed

    def _count(self, module, args, output):
        if isinstance(module, torch.nn.ConvTranspose2d):
            k = module.kernel_size[0] * module.kernel_size[1] // module.groups
            self.flops += 2 * args[0].numel() * module.out_channels * k
        elif isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] // module.groups
            self.flops += 2 * output.numel() * module.in_channels * k


def file_to_file(net, size, frames, device, workdir, precision, block_frames):
    movie = workdir / "movie.npy"
    np.save(movie, np.random.default_rng(0).poisson(0.45, (frames, size, size)).astype(np.uint16))
    model = workdir / "model.safetensors"
    save_model(model, net, pixel_size=1.0, dose_range=(0.1, 10.0))
    out = workdir / "out.zarr"
    config = DenoiseConfig(
        input=movie,
        output=out,
        model=str(model),
        device=device.type,
        precision=precision,
        block_frames=block_frames,
        overwrite=True,
    )
    marks: list[tuple[float, int]] = []
    with NetworkClock(device) as clock:
        report = run_denoise(
            config, progress=lambda done, _: marks.append((time.perf_counter(), done))
        )
    assert report.stats is not None
    whole = report.stats.frames * size * size / report.stats.seconds / 1e6
    share = clock.seconds / report.stats.seconds  # the network's share of the run
    # the network's work per frame pixel, against one pass over the frame: halo and extension
    computed = clock.flops / (flops_per_pixel(net) * report.stats.frames * size * size)
    # after the first block: what a long movie runs at, its warm-up (the network's first call
    # on a new shape, the memory first mapped, the start of the job) left behind
    written = [(t, d) for t, d in marks if d > 0]
    (t0, d0), (t1, d1) = written[0], written[-1]
    steady = (d1 - d0) * size * size / (t1 - t0) / 1e6 if d1 > d0 and t1 > t0 else None
    return whole, steady, share, computed


SEED_STREAM = 64e6 * 400
"""Input pixels per second of the seed's detector: 64 MP frames at 2.5 ms (400 fps)."""


def seed_regime(net, size, frames, device, workdir, precision, detector):
    """File to file in the seed's regime.

    Returns input MP/s, model-grid MP/s, frames/s and the network's share of the wall time.
    """
    movie = workdir / "detector.npy"
    np.save(movie, np.random.default_rng(0).poisson(0.45, (frames, size, size)).astype(np.uint16))
    model = workdir / "grid.safetensors"
    training = {"augment": {"pixel_size_range": [0.15, 0.4]}}
    save_model(model, net, pixel_size=0.25, dose_range=(0.5, 60.0), training=training)
    config = DenoiseConfig(
        input=movie,
        output=workdir / "seed.zarr",
        model=str(model),
        pixel_size=detector,
        device=device.type,
        precision=precision,
        overwrite=True,
    )
    with NetworkClock(device) as clock:
        report = run_denoise(config)
    assert report.stats is not None
    assert report.factor is not None
    fps = report.stats.frames / report.stats.seconds
    share = clock.seconds / report.stats.seconds
    return fps * size * size / 1e6, fps * size * size * report.factor**2 / 1e6, fps, share


def write_movie(path, gigabytes, side):
    frames = max(1, int(gigabytes * 2**30 / (side * side * 2)))
    movie = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint16, shape=(frames, side, side))
    rng = np.random.default_rng(0)
    block = rng.poisson(0.45, (8, side, side)).astype(np.uint16)
    for start in range(0, frames, 8):
        stop = min(start + 8, frames)
        movie[start:stop] = block[: stop - start]
    movie.flush()
    del movie
    return frames


def memory(gigabytes, side, workdir):
    movie = workdir / f"movie_{gigabytes}gb.npy"
    frames = write_movie(movie, gigabytes, side)
    model = workdir / "tiny.safetensors"
    save_model(model, BFDnCNN(depth=2, width=1), pixel_size=1.0, dose_range=(0.1, 10.0))
    out = workdir / f"out_{gigabytes}gb.zarr"
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            "denoise",
            str(movie),
            "-o",
            str(out),
            "--model",
            str(model),
            "--device",
            "cpu",
            "--block-frames",
            "2",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    rss = int(result.stdout.split("maxrss_kib")[-1].split()[0]) / 2**20
    size_gb = movie.stat().st_size / 2**30
    movie.unlink()
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return {
        "input_gb": size_gb,
        "frames": frames,
        "frame": f"{side}x{side}",
        "seconds": seconds,
        "peak_rss_gib": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="frame side for (a) and (b)")
    parser.add_argument("--frames", type=int, default=8, help="frames for (a) and (b)")
    parser.add_argument("--gb", type=float, nargs="*", default=[1, 4, 16], help="movies for (c)")
    parser.add_argument("--side", type=int, default=4096, help="frame side for (c)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--networks", nargs="*", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--block-frames", type=int, default=8, help="frames per block in (b)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument(
        "--detector-pixel-size", type=float, default=None, metavar="A", help="(d): 0.05"
    )
    parser.add_argument("--skip-ab", action="store_true", help="only (c) and (d)")
    parser.add_argument("--workdir", default=None, help="where to put the temporary movies")
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args()
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"device: {describe_device(device)}; torch {torch.__version__}\n")
    results = {"device": describe_device(device), "throughput": [], "memory": []}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        workdir = Path(tmp)
        print(
            f"(a) network alone vs (b) file to file; {args.frames} frames of {args.size}^2, "
            f"{args.precision}"
        )
        if not args.skip_ab:
            peak, dtype = matmul_ceiling(device)
            print(f"{dtype} matrix ceiling: {peak:.2f} TFLOP/s (square products)")
            results["matmul_tflops"], results["matmul_dtype"] = peak, dtype
        print(
            f"{'network':<12} {'(a) MP/s':>9} {'(b) MP/s':>9} {'b/a':>6} "
            f"{'(b) after block 1':>17} {'b/a':>6} {'net share of (b)':>16} {'work/px':>11} "
            f"{'(a) TFLOP/s':>11} {'of ceiling':>10}"
        )
        for name in [] if args.skip_ab else args.networks:
            make = NETWORKS[name]
            torch.manual_seed(0)
            net = make()
            a = ceiling(net, args.size, args.frames, device, args.precision)
            b, steady, share, computed = file_to_file(
                net, args.size, args.frames, device, workdir, args.precision, args.block_frames
            )
            later = f"{steady:>17.3f} {steady / a:>6.2f}" if steady else f"{'-':>17} {'-':>6}"
            tflops = a * 1e6 * flops_per_pixel(net) / 1e12
            print(
                f"{name:<12} {a:>9.3f} {b:>9.3f} {b / a:>6.2f} {later} {share:>16.3f} "
                f"{computed:>10.3f}x {tflops:>11.2f} {tflops / peak:>10.3f}"
            )
            results["throughput"].append(
                {
                    "network": name,
                    "precision": args.precision,
                    "ceiling_mps": a,
                    "file_mps": b,
                    "file_mps_after_first_block": steady,
                    "network_share_of_file": share,
                    "computed_pixels_per_frame_pixel": computed,
                    "network_tflops": tflops,
                    "share_of_matmul": tflops / peak,
                }
            )
        if args.detector_pixel_size:
            print(
                f"\n(d) the seed's regime: {args.frames} frames of {args.size}^2 at "
                f"{args.detector_pixel_size} A/px, binned to the 0.25 A/px grid, {args.precision}"
            )
            print(
                f"{'network':<12} {'input MP/s':>10} {'grid MP/s':>10} "
                f"{'frames/s':>9} {'devices':>8} {'net share':>9}"
            )
            for name in args.networks:
                torch.manual_seed(0)
                rates = seed_regime(
                    NETWORKS[name](), args.size, args.frames, device, workdir,
                    args.precision, args.detector_pixel_size,
                )  # fmt: skip
                needed = SEED_STREAM / (rates[0] * 1e6)
                print(
                    f"{name:<12} {rates[0]:>10.3f} {rates[1]:>10.3f} {rates[2]:>9.3f} "
                    f"{needed:>8.0f} {rates[3]:>9.3f}"
                )
                results.setdefault("seed_regime", []).append(
                    {
                        "network": name,
                        "detector_pixel_size": args.detector_pixel_size,
                        "input_mps": rates[0],
                        "grid_mps": rates[1],
                        "frames_per_second": rates[2],
                        "devices_for_seed_stream": needed,
                        "network_share_of_file": rates[3],
                    }
                )
        if args.gb:
            side = f"{args.side}^2 uint16"
            print(f"\n(c) peak RSS of `temdenoise denoise` (one-channel network, {side})")
            print(f"{'input GB':>8} {'frames':>7} {'s':>8} {'peak RSS GiB':>13}")
            for gb in args.gb:
                row = memory(gb, args.side, workdir)
                print(
                    f"{row['input_gb']:>8.2f} {row['frames']:>7} {row['seconds']:>8.1f} "
                    f"{row['peak_rss_gib']:>13.2f}"
                )
                results["memory"].append(row)
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
