"""CAREamics Noise2Void, trained on the very noisy stack it then denoises.

Noise2Void (Krull et al., CVPR 2019) needs no clean data: it learns to predict each pixel
from its neighbours with the pixel itself masked out. CAREamics' own N2V configuration is
used (its UNet, masking and mean-std normalisation) with a fixed, time-boxed budget of
``EPOCHS x STEPS`` batches on the CPU, so that one training stays within a few minutes on
one core; with more time it would do better, which the benchmark states.

CAREamics 0.3.5 imports ``torchvision`` when it is imported, for its LVAE models (HDN,
microSplit) and its model-zoo export, none of which N2V uses. The only torchvision on the
package index that matches torch 2.13 is a CUDA build, which fails to import next to the
CPU torch ("operator torchvision::nms does not exist"); so torchvision is not installed,
and :func:`import_careamics` gets careamics past that import.
"""

from __future__ import annotations

import logging
import sys
import time
import types
import warnings
from importlib.util import find_spec
from pathlib import Path
from typing import NoReturn

import numpy as np
from common import Result

EPOCHS = 10
STEPS = 30
"""Batches per epoch; EPOCHS x STEPS batches of BATCH patches in all."""
BATCH = 16
PATCH = 64


def run(noisy: np.ndarray, *, dose: float, seed: int, workdir: Path) -> Result:
    """Train N2V on ``noisy`` (counts, shape (images, rows, columns)), then denoise it.

    Parameters
    ----------
    noisy : ndarray of float32, shape (images, rows, columns)
    dose : float
        Unused (N2V normalises the data itself); kept for the common peer signature.
    seed : int
        Seeds (as seed + 1) CAREamics' patch sampling, masking and initialisation.
    workdir : Path
        Where CAREamics writes its checkpoints.

    Returns
    -------
    Result
        With the training time apart from the prediction time.
    """
    del dose
    careamics = import_careamics()
    from careamics.config import create_advanced_n2v_config

    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    config = create_advanced_n2v_config(
        experiment_name="n2v",
        data_type="array",
        axes="SYX",
        patch_size=[PATCH, PATCH],
        batch_size=BATCH,
        num_epochs=EPOCHS,
        num_steps=STEPS,
        num_workers=0,
        trainer_params={"accelerator": "cpu", "devices": 1, "enable_model_summary": False},
        seed=seed + 1,  # CAREamics wants a positive seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Lightning's advice on workers and loggers
        careamist = careamics.CAREamist(config, work_dir=workdir, enable_progress_bar=False)
        started = time.perf_counter()
        careamist.train(train_data=noisy)
        trained = time.perf_counter()
        predictions, _ = careamist.predict(noisy, data_type="array", axes="SYX", batch_size=1)
        finished = time.perf_counter()
    estimate = np.concatenate([np.asarray(p, dtype=np.float32) for p in predictions])
    estimate = estimate.reshape(noisy.shape)
    note = f"{EPOCHS * STEPS} batches of {BATCH}x{PATCH}^2"
    return Result(estimate, finished - trained, trained - started, note)


def import_careamics() -> types.ModuleType:
    """Import careamics; where torchvision is not installed, past its import of it.

    Lightning and torchmetrics probe for torchvision with ``find_spec`` when they are
    imported, so they are imported first and see that it is missing; then, for the time
    of ``import careamics`` only, ``sys.modules`` holds an empty ``torchvision`` whose
    attributes raise, so that a use of it would fail loudly instead of silently.
    """
    import lightning.pytorch  # noqa: F401
    import torchmetrics  # noqa: F401

    if find_spec("torchvision") is not None:
        import careamics

        return careamics
    names = ("torchvision", "torchvision.transforms", "torchvision.transforms.functional")
    sys.modules.update({name: _missing_module(name) for name in names})
    try:
        import careamics
    finally:
        for name in names:
            del sys.modules[name]
    return careamics


def _missing_module(name: str) -> types.ModuleType:
    """An empty module ``name`` whose attributes raise AttributeError, saying why."""

    def missing(attribute: str) -> NoReturn:
        raise AttributeError(f"{name}.{attribute}: torchvision is not installed in this venv")

    module = types.ModuleType(name)
    module.__version__ = "not installed"  # type: ignore[attr-defined]  # model-zoo export
    module.__getattr__ = missing  # type: ignore[method-assign]
    return module
