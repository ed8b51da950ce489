"""The prepared GPU job, rehearsed on the CPU: every shipped model trained, throughput measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from temdenoise.models.checkpoint import read_header
from temdenoise.pretrained import resolve_model
from tests.train.conftest import write_fake_dataset

ROOT = Path(__file__).resolve().parents[1]


def test_the_dry_run_trains_every_shipped_model_and_measures_throughput(tmp_path):
    bundle = tmp_path / "bundle"
    write_fake_dataset(bundle / "data" / "train.zarr", n_train=4, n_test=2, size=96)
    out = tmp_path / "out"
    env = {**os.environ, "GPU_BUNDLE": str(bundle), "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu_job.sh"), str(out), "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dry_run"] is True
    for name in ("bf-unet", "seed-dncnn", "bf-unet-5f"):
        run = summary["runs"][name]
        assert run["steps"] == 2
        header = read_header(out / f"{name}.safetensors")
        shipped = read_header(resolve_model(name))
        assert header.arch_params == shipped.arch_params
        assert header.training["init"]["weights_sha256"] == shipped.weights_sha256
        assert header.training["history"][-1]["steps"] == 2
        assert len(header.training["history"]) >= 2  # the shipped model's runs, then this one
    for precision in ("fp32", "bf16"):
        table = summary["throughput"][precision]
        networks = {row["network"] for row in table["throughput"]}
        assert networks == {"dncnn-20x64", "unet-4x32", "unet-4x32-5f"}
        assert table["matmul_tflops"] > 0
        assert table["matmul_dtype"] in ("bfloat16", "float32")
        assert all(row["share_of_matmul"] > 0 for row in table["throughput"])
        assert {row["network"] for row in table["seed_regime"]} == networks  # (d) ran too
    stages = summary["throughput"]["host_stages"]["stages"]
    assert all(row["seconds_per_frame"] > 0 for row in stages)  # every stage ran and was timed
    scaling = summary["throughput"]["resample_speed"]["rows"]
    assert [row["threads"] for row in scaling] == [1, 2]
    assert all(row["bin_input_mps"] > 0 and row["enlarge_input_mps"] > 0 for row in scaling)
    assert sorted(p.name for p in out.iterdir()) == sorted(  # 8 files: all a lent GPU returns
        [
            "bf-unet-5f.safetensors",
            "bf-unet.safetensors",
            "job.log",
            "seed-dncnn.safetensors",
            "summary.json",
            "host-stages.json",
            "throughput-bf16.json",
            "throughput-fp32.json",
        ]
    )
