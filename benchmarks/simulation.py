"""Speed of the HRTEM simulator: images per hour at 512 x 512 and 1024 x 1024.

Renders random images of the default training distribution (Pt on CeO2, 0.25 A per
pixel, 0.1 A multislice sampling, 2 A slices, focal spread as an explicit 7-value
defocus average) in this process, with a static Debye-Waller-smeared potential and
with frozen phonons, and prints seconds per image and images per hour (JSON with -o).
With --montage it instead writes the montage of docs/images/simulated.png.

    python benchmarks/simulation.py [--sizes 512 1024] [--images 2] [--phonons 0 4]
                                    [--threads 2] [-o out.json]
    python benchmarks/simulation.py --montage docs/images/simulated.png [--cache images.npy]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from temdenoise.config import SimulateConfig
from temdenoise.simulate.plan import plan
from temdenoise.simulate.render import Renderer


def measure(size, phonons, *, images, threads, seed):
    from temdenoise.simulate.hrtem import abtem_settings

    config = SimulateConfig.build(
        n_train=images,
        n_test=0,
        size=size,
        frozen_phonons=phonons,
        seed=seed,
        scene_weights={"particle": 1.0},
    )
    renderer = Renderer.from_config(config)
    tasks = plan(config)
    seconds, atoms = [], []
    with abtem_settings(threads):
        for task in tasks:
            start = time.perf_counter()
            _, _, derived = renderer(task)
            seconds.append(time.perf_counter() - start)
            atoms.append(derived["n_atoms"])
    return seconds, atoms


def warm_up(threads):
    """Compile abTEM's numba kernels on a tiny image, so they are not timed."""
    measure(32, 0, images=1, threads=threads, seed=99)


def gpu_line():
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "CuPy is not installed and no GPU is available here: GPU timing not measured."
    return "CuPy found, but this script measures the CPU path only."


def benchmark(args):
    from temdenoise.simulate.hrtem import simulation_grid, versions

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{platform.processor() or platform.machine()}, {cores} cores available, "
        f"FFTW threads {args.threads}; abTEM {versions()['abtem']}; load average "
        f"{os.getloadavg()[0]:.2f} at start"
    )
    warm_up(args.threads)
    names = ("size", "grid", "phonons", "images", "atoms", "s/image", "images/h")
    widths = (6, 11, 8, 7, 8, 8, 9)
    header = " ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
    print(header)
    print("-" * len(header))
    rows = []
    for size in args.sizes:
        margin = int(np.ceil(16.0 / 0.25))
        _, gpts = simulation_grid((size, size), pixel_size=0.25, margin=margin, sampling=0.1)
        for phonons in args.phonons:
            seconds, atoms = measure(
                size, phonons, images=args.images, threads=args.threads, seed=1
            )
            median = statistics.median(seconds)
            row = {
                "size": size,
                "grid": list(gpts),
                "frozen_phonons": phonons,
                "images": len(seconds),
                "mean_atoms": float(np.mean(atoms)),
                "seconds": seconds,
                "median_seconds": median,
                "images_per_hour": 3600.0 / median,
            }
            rows.append(row)
            print(
                f"{size:>6} {gpts[0]:>5}x{gpts[1]:<5} {phonons:>8} {len(seconds):>7} "
                f"{np.mean(atoms):>8.0f} {median:>8.1f} {3600.0 / median:>9.0f}"
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(gpu_line())
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({"rows": rows, "threads": args.threads, "cores": cores}, handle, indent=2)


MONTAGE_DEFOCI = (-20.0, -60.0, -110.0, -180.0)


def montage_scenes():
    """Pt on CeO2 across shapes, sizes, defects, thickness and tilt, and a bare support."""
    from temdenoise.simulate.scene import SceneParameters

    return {
        "cuboctahedron 2.5 nm, adatoms\nCeO2 3 nm": SceneParameters(
            shape="cuboctahedron",
            diameter=25.0,
            truncation=0.15,
            defect="adatoms",
            defect_count=6,
            support_thickness=30.0,
            interface_row=0.7,
        ),
        "trunc. octahedron 4 nm, step\nCeO2 4.5 nm, tilt 2 deg": SceneParameters(
            shape="truncated_octahedron",
            diameter=40.0,
            truncation=0.3,
            defect="step",
            defect_count=10,
            support_thickness=45.0,
            interface_row=0.72,
            tilt_row_axis=2.0,
            rotation=-5.0,
        ),
        "Wulff 5.5 nm, island\nCeO2 6 nm, tilt 3 deg": SceneParameters(
            shape="wulff",
            diameter=55.0,
            truncation=0.25,
            defect="island",
            defect_count=12,
            support_thickness=60.0,
            interface_row=0.78,
            tilt_column_axis=3.0,
            rotation=6.0,
        ),
        "CeO2 support only\n5 nm, tilt 1 deg": SceneParameters(
            kind="support",
            shape="",
            diameter=0.0,
            truncation=0.0,
            support_thickness=50.0,
            interface_row=0.45,
            tilt_column_axis=1.0,
        ),
    }


def montage(path, threads, cache=None):
    """Write the montage; with ``cache`` (.npy) the images are kept there and reused."""
    from temdenoise.figures.images import image_montage
    from temdenoise.simulate.hrtem import abtem_settings
    from temdenoise.simulate.plan import ImageTask

    config = SimulateConfig.build(size=384, n_train=1, n_test=0)
    scenes = montage_scenes()
    titles = [f"{label}, defocus {d / 10:g} nm" for d in MONTAGE_DEFOCI for label in scenes]
    if cache and os.path.exists(cache):
        images = np.load(cache)
    else:
        renderer = Renderer.from_config(config)
        images = []
        with abtem_settings(threads):
            for defocus in MONTAGE_DEFOCI:
                for scene in scenes.values():
                    # focal spread 3 nm, convergence 0.2 mrad, vibration 0.1 A
                    task = ImageTask(len(images), "train", scene, defocus, 30.0, 0.2, 0.1, 0)
                    images.append(renderer(task)[1])
                    print(f"{len(images)}/{len(titles)}", flush=True)
        images = np.array(images)
        if cache:
            np.save(cache, images)
    image_montage(
        images[:, 48:336, 48:336],  # the central 288 x 288 px (7.2 nm) at full resolution
        path,
        pixel_size=config.pixel_size,
        titles=titles,
        columns=len(scenes),
        title=f"Simulated clean HRTEM of Pt on CeO2: 300 kV, Cs -10 um, focal spread 3 nm, "
        f"{config.pixel_size} A/px, vacuum {config.dose} counts/px",
    )
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--phonons", type=int, nargs="+", default=[0, 4])
    parser.add_argument("--images", type=int, default=2, help="images per setting")
    parser.add_argument("--threads", type=int, default=2, help="FFTW threads")
    parser.add_argument("-o", "--output", default=None, help="write the rows as JSON here")
    parser.add_argument("--montage", default=None, help="write the montage PNG here instead")
    parser.add_argument("--cache", default=None, help="montage images (.npy), kept and reused")
    args = parser.parse_args()
    if args.montage:
        montage(args.montage, args.threads, args.cache)
    else:
        benchmark(args)


if __name__ == "__main__":
    main()
