#!/usr/bin/env bash
# Create (or update) the venvs of the peer benchmark, idempotently:
#   benchmarks/peers/.venv           temdenoise, bm3d and CAREamics
#   benchmarks/peers/.venv-tk_r_em   TensorFlow and tk_r_em's pretrained network
# None of them is a dependency of temdenoise: bm3d's licence is non-commercial, CAREamics'
# and TensorFlow's pins conflict with ours. Only PyPI is used; nothing downloads at run time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
tf_venv="$here/.venv-tk_r_em"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet)
# The pin first: on this index it resolves to the CPU build (unpinned pulls CUDA wheels).
"${pip[@]}" torch==2.13.0
"${pip[@]}" -e "$root"
"${pip[@]}" bm3d==4.0.3 scikit-image
# CAREamics without its pins (it would replace torch and pull torchvision, whose only
# build for torch 2.13 here is a CUDA one that fails to import next to the CPU torch);
# the packages below are those its Noise2Void path imports. n2v_peer.import_careamics
# gets careamics past its import of torchvision (used by its LVAE models only).
"${pip[@]}" --no-deps careamics==0.3.5
"${pip[@]}" "lightning>=2.2,<=2.6.6,!=2.6.2,!=2.6.3" "torchmetrics<1.9" \
    "pydantic>=2.11,<=2.14.1" "bioimageio-core>=0.9,<=0.11.0" "tifffile<=2026.3.3" \
    pyyaml psutil
(cd "$here" && "$venv/bin/python" -c "import torch, bm3d, n2v_peer
n2v_peer.import_careamics()
print('peers venv ok: torch', torch.__version__)")

# tk_r_em's pretrained networks are TensorFlow (Keras 2) SavedModels shipped in its sdist:
# TensorFlow with the legacy Keras, in a venv of its own (numpy and protobuf pins differ).
[ -x "$tf_venv/bin/python" ] || python3 -m venv "$tf_venv"
"$tf_venv/bin/python" -m pip install --quiet tensorflow-cpu==2.21.0 tf-keras==2.21.0 \
    tk-r-em==1.0.4
TF_USE_LEGACY_KERAS=1 "$tf_venv/bin/python" -c "import tk_r_em; print('tk_r_em venv ok')"
