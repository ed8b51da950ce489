#!/usr/bin/env bash
# Prepare .gpu-bundle/ for the GPU job (scripts/gpu_job.sh), here, where the package index and
# the data are: the wheels the GPU machine's Python 3.12 lacks (x86-64) and the clean datasets
# as float16 Zarr with zstd (a 400-image set of 256 x 256 px is ~24 MB). The bundle is ignored
# by git; carry it: run(command="bash scripts/gpu_job.sh $OUT", carry=[".gpu-bundle"]).
# Usage: bash scripts/gpu_bundle.sh DATASET.zarr [DATASET.zarr ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/.gpu-bundle"
[ $# -ge 1 ] || { echo "usage: bash scripts/gpu_bundle.sh DATASET.zarr [...]" >&2; exit 2; }
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
for name in sys.argv[2:]:
    src = zarr.open_group(name, mode="r")
    if not src.attrs.get("complete"):
        raise SystemExit(f"{name}: incomplete dataset")
    dst = zarr.open_group(out / Path(name).name, mode="w")
    clean = src["clean"]
    array = dst.create_array(
        "clean", shape=clean.shape, chunks=(1, *clean.shape[1:]), dtype="float16",
        compressors=BloscCodec(cname="zstd", clevel=9, shuffle="bitshuffle"),
    )
    for i in range(clean.shape[0]):
        array[i] = np.asarray(clean[i]).astype(np.float16)
    dst.attrs.update(src.attrs.asdict())
    print(f"{name}: {clean.shape[0]} images")
PY
du -sh "$BUNDLE"/*
