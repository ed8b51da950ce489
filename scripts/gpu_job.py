"""The prepared GPU job: continue training every shipped model, then measure throughput.

Run on a lent GPU machine by ``scripts/gpu_job.sh`` (at most ~9 minutes in all), or rehearsed
on the CPU with ``--dry-run``, which shrinks every size and is run by the tests. Each
shipped model continues from its current weights (``--init``) in bf16 autocast with large
batches on the clean datasets under ``--data``, over the dose range of the seed's regime
(0.5-60 counts/px on the 0.25 A/px grid), for its share of ``--minutes``; then
``benchmarks/throughput.py`` measures file-to-file against the network alone, fp32 and bf16,
``benchmarks/host_stages.py`` where the host's time goes around the network, and
``benchmarks/resample_speed.py`` how binning and enlarging scale over the host's cores.
Everything lands in ``--out``: one model file per shipped model, ``summary.json`` (device,
settings, each run's best validation, steps, wall time and training log, every table) and the
throughput tables. Nothing is copied into the package: a session compares the models with
the benchmarks and ships the better ones with their cards. The training is
``temdenoise.workflows.gpu_job``; this script adds the repository's throughput benchmarks.

    python scripts/gpu_job.py --data .gpu-bundle/data --out $OUT [--minutes 7] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Parse the arguments, train each shipped model, run the throughput benchmark."""
    sys.path.insert(0, str(ROOT / "src"))
    from temdenoise.workflows.gpu_job import SHARES, continue_training, planned_minutes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of clean .zarr sets")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=7.0, help="training, all models")
    parser.add_argument("--models", nargs="*", default=list(SHARES), choices=list(SHARES))
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes, CPU: a rehearsal")
    parser.add_argument("--no-throughput", action="store_true", help="train only")
    args = parser.parse_args()
    import torch

    from temdenoise.infer import describe_device, resolve_device

    device = resolve_device("cpu" if args.dry_run else None)
    args.out.mkdir(parents=True, exist_ok=True)
    data = sorted(args.data.glob("*.zarr"))
    if not data:
        raise SystemExit(f"{args.data}: no .zarr datasets")
    summary: dict[str, Any] = {
        "device": describe_device(device),
        "torch": torch.__version__,
        "dry_run": args.dry_run,
        "data": [str(p) for p in data],
        "runs": {},
    }
    print(f"gpu job: {summary['device']}, torch {torch.__version__}", flush=True)
    minutes = planned_minutes(args.minutes, args.models)
    for name in args.models:
        run = continue_training(name, data, args.out, minutes[name], device.type, args.dry_run)
        summary["runs"][name] = run
        _write(args.out / "summary.json", summary)
    if not args.no_throughput:
        summary["throughput"] = _throughput(args.out, args.dry_run, device.type)
    _write(args.out / "summary.json", summary)
    print(f"wrote {args.out}", flush=True)


def _throughput(out: Path, dry: bool, device: str) -> dict[str, Any]:
    sizes = ["--size", "64", "--frames", "1"] if dry else ["--size", "2048", "--frames", "8"]
    sizes += ["--detector-pixel-size", "0.125" if dry else "0.05"]  # (d): the seed's regime
    tables = {}
    for precision in ("fp32", "bf16"):
        options = ["--gb", "--device", device, "--precision", precision]
        path = out / f"throughput-{precision}.json"
        tables[precision] = _benchmark("throughput.py", [*sizes, *options], path, timeout=120)
    # where the host's time goes around the network, in the seed's regime
    path = out / "host-stages.json"
    tables["host_stages"] = _benchmark(
        "host_stages.py", [*sizes, "--device", device], path, timeout=60
    )
    # binning and enlarging on 1 to all of the host's cores (the job gives them the free ones)
    scaling = ["--size", "64", "--frames", "2", "--workers", "1", "2"] if dry else []
    scaling += ["--repeats", "1"]
    with tempfile.TemporaryDirectory() as tmp:  # in summary.json only: 8 files come back
        path = Path(tmp) / "resample-speed.json"
        tables["resample_speed"] = _benchmark("resample_speed.py", scaling, path, timeout=90)
    return tables


def _benchmark(script: str, options: list[str], path: Path, timeout: float) -> Any:
    """Run ``benchmarks/SCRIPT`` writing ``path``; print its tables; return its JSON or None."""
    command = [sys.executable, str(ROOT / "benchmarks" / script), *options, "-o", str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, env=env, timeout=timeout
        )
    except subprocess.TimeoutExpired as stopped:
        text = stopped.stdout or b""
        print(text.decode() if isinstance(text, bytes) else text, flush=True)
        print(f"{script} {' '.join(options)}: stopped after {timeout:g} s", flush=True)
        return None
    print(done.stdout, done.stderr[-2000:] if done.returncode else "", flush=True)
    return json.loads(path.read_text()) if path.exists() else None


def _write(path: Path, body: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=2, default=str))
    tmp.replace(path)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    from temdenoise.errors import TemdenoiseError

    try:
        main()
    except TemdenoiseError as exc:  # bad data or settings: one line, as the CLI gives
        raise SystemExit(f"gpu job: {exc}") from None
