"""tk_r_em's pretrained HRTEM restoration network (Lobato et al., arXiv:2303.17025).

A TensorFlow UNet trained on simulated HRTEM images with a physical noise and distortion
model; the weights ship inside the ``tk-r-em`` package on PyPI (nothing is downloaded).
TensorFlow and torch do not share a process or a venv well, so the network runs in its
own venv (``.venv-tk_r_em``, made by ``setup.sh``): :func:`run` saves the noisy stack,
runs this file there as a script, and reads back the restored stack and the time the
network took (TensorFlow's start and the model load are left out). The network keeps
the scale of its input (checked: its output of flat Poisson noise has the input's mean),
so its output is taken as counts, unchanged.

    .venv-tk_r_em/bin/python tk_r_em_peer.py IN.npy OUT.npy
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from common import Result

NETWORK = "sfr_hrtem"
PYTHON = Path(__file__).resolve().parent / ".venv-tk_r_em" / "bin" / "python"


def check() -> None:
    """Raise Unavailable unless the tk_r_em venv can import tk_r_em."""
    from temdenoise_peer import Unavailable

    if not PYTHON.exists():
        raise Unavailable(f"{PYTHON} missing: run benchmarks/peers/setup.sh")
    probe = subprocess.run(
        [str(PYTHON), "-c", "import tk_r_em"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        raise Unavailable(probe.stderr.strip().splitlines()[-1])


def run(noisy: np.ndarray) -> Result:
    """Restore each frame of ``noisy`` (counts, shape (images, rows, columns))."""
    from common import Result

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.npy", Path(folder) / "out.npy"
        np.save(source, noisy)
        done = subprocess.run(
            [str(PYTHON), __file__, str(source), str(target)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
        estimate = np.load(target)
    return Result(estimate, seconds, note=NETWORK)


def restore(network: object, counts: np.ndarray) -> np.ndarray:
    """Restore one frame of counts; the network returns it on the scale of its input."""
    return np.asarray(network.predict(counts.astype(np.float32)), dtype=np.float32)  # type: ignore[attr-defined]


def _main(source: Path, target: Path) -> None:
    import os

    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # the SavedModels are Keras 2
    import tensorflow as tf
    from tk_r_em import load_network

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    network = load_network(NETWORK)
    noisy = np.load(source)
    started = time.perf_counter()
    estimate = np.stack([restore(network, frame) for frame in noisy])
    seconds = time.perf_counter() - started
    np.save(target, estimate)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    _main(Path(sys.argv[1]), Path(sys.argv[2]))
