"""Record a model's measured bf16 cost in its header, from two runs of a quality benchmark.

The runs are two of ``benchmarks/quality.py`` (still images) or two of ``benchmarks/movies.py``
(a movie: for multi-frame models). The cost is the largest drop of mean psnr_count from the
fp32 run to the bf16 run over the doses both runs scored, for the model whose weights the
file holds (matched by checksum).
``temdenoise denoise --precision auto`` (the default) runs a model in bf16 on a GPU or a
native-bf16 CPU only when this cost is under 0.05 dB.

    python benchmarks/quality.py ... --precision fp32 -o fp32.json
    python benchmarks/quality.py ... --precision bf16 -o bf16.json
    python scripts/stamp_bf16.py MODEL.safetensors --fp32 fp32.json --bf16 bf16.json
    (or benchmarks/movies.py ... --precision fp32|bf16 -o fp32.json|bf16.json)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from temdenoise.infer.device import BF16_TOLERANCE_DB
from temdenoise.models.checkpoint import read_header, update_header


def main() -> None:
    """Parse the arguments, compute the cost, write it into the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="model file to update")
    parser.add_argument("--fp32", type=Path, required=True, help="quality.py JSON, fp32")
    parser.add_argument("--bf16", type=Path, required=True, help="quality.py JSON, bf16")
    args = parser.parse_args()
    sha = read_header(args.model).weights_sha256
    fp32, bf16 = (json.loads(p.read_text()) for p in (args.fp32, args.bf16))
    for run, precision, path in ((fp32, "fp32", args.fp32), (bf16, "bf16", args.bf16)):
        if run.get("precision") != precision:
            raise SystemExit(f"{path}: not a {precision} run (precision {run.get('precision')})")
    same = ("clean", "shape", "dose", "noise", "seed") if "clean" in fp32 else _STILLS
    for key in same:
        if fp32.get(key) != bf16.get(key):
            raise SystemExit(f"the two runs scored different images ({key} differs)")
    full, half = _scores(fp32, sha, args.fp32), _scores(bf16, sha, args.bf16)
    doses = sorted(full.keys() & half.keys())
    if not doses:
        raise SystemExit("the two runs share no dose")
    cost = max(full[d] - half[d] for d in doses)
    header = update_header(args.model, bf16_cost_db=round(cost, 3))
    verdict = "bf16" if cost < BF16_TOLERANCE_DB else "fp32"
    print(
        f"{args.model}: bf16 costs {header.bf16_cost_db:.3f} dB psnr_count; "
        f"--precision auto runs it in {verdict} where bf16 is native"
    )


_STILLS = ("data", "fingerprint", "images", "detector_pixel_size")  # what quality.py scored


def _scores(run: dict[str, Any], sha: str, path: Path) -> dict[float, float]:
    """Mean psnr_count by dose of the model with weights ``sha`` in one benchmark run.

    A movies.py run has one dose, at its top level; a quality.py run has one per row.
    """
    names = [name for name, m in run["models"].items() if m["weights_sha256"] == sha]
    if not names:
        raise SystemExit(f"{path}: does not score these weights ({sha[:12]})")
    rows = [r for r in run["rows"] if r["method"] == names[0]]
    return {r.get("dose", run.get("dose")): r["psnr_count"] for r in rows}


if __name__ == "__main__":
    main()
