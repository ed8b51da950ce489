#!/usr/bin/env bash
# Prepare .gpu-bundle/ for the GPU job (scripts/gpu_job.sh), here, where the package index and
# the data are: the wheels the GPU machine's Python 3.12 lacks (x86-64) and the clean datasets
# as 8-bit Zarr with zstd (30-35 KB per 256 x 256 px image): each set scaled so its brightest
# pixel is 255 and its "dose" attribute scaled alike, so that training reads the same images
# to within a rounding of 0.3% rms of the mean. The bundle is ignored by git; carry it:
#   run(command="bash scripts/gpu_job.sh $OUT", carry=[".gpu-bundle"]).
# Usage: bash scripts/gpu_bundle.sh DATASET.zarr[:N] [DATASET.zarr[:N] ...]
# (":N" keeps a dataset's first N images, its splits cut to match, to fit the 64 MiB limit)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/.gpu-bundle"
[ $# -ge 1 ] || { echo "usage: bash scripts/gpu_bundle.sh DATASET.zarr[:N] [...]" >&2; exit 2; }
source "$ROOT/scripts/env.sh" ""
rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/wheels" "$BUNDLE/data"
# the versions installed here (scripts/constraints.txt), built for the GPU machine's Python
WHEELS=()
for name in pydantic pydantic_core annotated-types typing-inspection zarr numcodecs donfig google-crc32c; do
  WHEELS+=("$name==$("$VENV/bin/python" -m pip show "$name" | sed -n 's/^Version: //p')")
done
"$VENV/bin/python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$BUNDLE/wheels" "${WHEELS[@]}"
"$VENV/bin/python" - "$BUNDLE/data" "$@" <<'PY'
import sys
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import BloscCodec

out = Path(sys.argv[1])
for arg in sys.argv[2:]:
    name, _, keep = arg.partition(":")
    src = zarr.open_group(name, mode="r")
    if not src.attrs.get("complete"):
        raise SystemExit(f"{name}: incomplete dataset")
    clean = src["clean"]
    count = min(int(keep), clean.shape[0]) if keep else clean.shape[0]
    attrs = src.attrs.asdict()
    attrs["splits"] = {
        k: [min(a, count), min(b, count)] for k, (a, b) in attrs.get("splits", {}).items()
    }
    images = np.asarray(clean[:count], dtype=np.float32)
    if not count or not np.isfinite(images).all() or images.max() <= 0:
        raise SystemExit(f"{name}: no finite positive images to bundle")
    scale = 255.0 / float(images.max())
    attrs["dose"] = float(attrs["dose"]) * scale  # read_clean divides by it
    dst = zarr.open_group(out / Path(name).name, mode="w")
    array = dst.create_array(
        "clean", shape=images.shape, chunks=(1, *images.shape[1:]), dtype="uint8",
        compressors=BloscCodec(cname="zstd", clevel=9, shuffle="bitshuffle"),
    )
    array[:] = np.rint(images * scale).astype(np.uint8)
    dst.attrs.update(attrs)
    print(f"{name}: {count} of {clean.shape[0]} images")
PY
du -sh "$BUNDLE"/*
