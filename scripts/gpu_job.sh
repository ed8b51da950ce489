#!/usr/bin/env bash
# The prepared GPU job (scripts/gpu_job.py): continue training every shipped model in bf16,
# then measure throughput; everything into OUT. On a lent GPU machine, from the repository
# root, with the bundle of scripts/gpu_bundle.sh carried along:
#   bash scripts/gpu_job.sh "$OUT" [--minutes 7]
# Rehearsed on the CPU (tiny sizes) by:  bash scripts/gpu_job.sh OUT --dry-run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: bash scripts/gpu_job.sh OUT [--minutes M] [--dry-run]}"
shift
BUNDLE="${GPU_BUNDLE:-$ROOT/.gpu-bundle}"
PY="${PYTHON:-python3}"
if [ -d "$BUNDLE/wheels" ] && ! "$PY" -c "import pydantic, zarr" 2>/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --target "$BUNDLE/site" "$BUNDLE"/wheels/*.whl
  export PYTHONPATH="$BUNDLE/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$OUT"
"$PY" "$ROOT/scripts/gpu_job.py" --data "$BUNDLE/data" --out "$OUT" "$@" 2>&1 | tee "$OUT/job.log"
