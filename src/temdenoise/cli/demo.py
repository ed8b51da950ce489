"""The ``temdenoise demo`` subcommand: parsing and per-stage progress bars around ``run_demo``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from temdenoise.cli.arguments import add_config, add_device, add_model, add_seed, values

NAMES = (
    "output",
    "model",
    "frames",
    "size",
    "dose",
    "detector_pixel_size",
    "seed",
    "workers",
    "device",
)
"""The options that become the fields of the same name of a ``DemoConfig``."""


def register(sub: Any) -> None:
    """Register ``demo`` on the subcommand parsers ``sub``."""
    demo = sub.add_parser(
        "demo",
        help="simulate, add noise, fit it, denoise and evaluate a short in situ movie",
        description="Run the whole chain on a simulated in situ movie (a Pt particle on CeO2 "
        "with surface dynamics, 0.45 counts/px/frame at 0.05 A/px: the seed's regime) with "
        "the shipped model, and write the movies, the noise model, the report and its "
        "figures into DIR. Rerunning into the same DIR reuses the finished stages. Needs "
        "the 'sim' extra (abTEM, ASE).",
    )
    demo.add_argument(
        "-o", "--output", type=Path, default=None, metavar="DIR", help="folder (demo-output)"
    )
    add_model(demo)
    demo.add_argument("--frames", type=int, default=None, metavar="N", help="frames (16, >= 8)")
    demo.add_argument("--size", type=int, default=None, metavar="PX", help="rows = columns (384)")
    demo.add_argument(
        "--dose", type=float, default=None, help="vacuum counts per detector px (default 0.45)"
    )
    demo.add_argument(
        "--detector-pixel-size",
        type=float,
        default=None,
        metavar="A",
        help="detector sampling, angstrom/px (default 0.05; the model grid is 0.25)",
    )
    add_seed(demo)
    demo.add_argument("--workers", type=int, default=None, help="simulation processes (2)")
    add_device(demo)
    add_config(demo, "DemoConfig")
    demo.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo as the parsed ``args`` say; print its metrics, timings and files."""
    from temdenoise.config import DemoConfig
    from temdenoise.workflows.demo import run_demo, table_lines

    config = DemoConfig.from_arguments(args.config, **values(args, NAMES))
    bars = _StageBars(pixels=config.detector_size**2)
    try:
        report = run_demo(config, progress=bars.update)
    finally:
        bars.close()
    print(_dose_line(config))
    print("\n".join(table_lines(report)))
    print(f"\nfitted noise model: {report.noise}\n")
    for role, path in report.files.items():
        print(f"{role + ':':<14}{path}")
    return 0


class _StageBars:
    """One tqdm bar per demo stage, in frames, with megapixels/s."""

    def __init__(self, *, pixels: int) -> None:
        self._pixels = pixels
        self._stage = ""
        self._bar: Any = None

    def update(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(
                total=total, initial=done, desc=f"{stage:<9}", unit="frame", dynamic_ncols=True
            )
        elif self._bar is not None:
            self._bar.update(done - self._bar.n)
            rate = self._bar.format_dict.get("rate")
            if rate:
                self._bar.set_postfix_str(f"{rate * self._pixels / 1e6:.2f} MP/s", refresh=False)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _dose_line(config: Any) -> str:
    from temdenoise.noise.dose import describe_dose

    return (
        f"dose: {describe_dose(config.dose, config.detector_pixel_size)} on the detector; "
        f"{describe_dose(config.simulated_dose, config.pixel_size)} on the model grid\n"
    )
