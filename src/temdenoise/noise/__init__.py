"""Detector noise models and their fits to real frames.

Models (pure, NumPy and PyTorch): :class:`Poisson`, the empirical :class:`Categorical`
count model, the detector point-spread :class:`DetectorPSF`, gain/offset/read noise
:class:`GainReadNoise`, composed in a :class:`NoiseModel` that serialises to JSON.
Fits (pure functions over arrays, each with a goodness-of-fit figure from
:mod:`~temdenoise.noise.goodness`): :mod:`~temdenoise.noise.fit_counting` (the categorical
count model), :mod:`~temdenoise.noise.fit_flat` (dose of a vacuum region),
:mod:`~temdenoise.noise.fit_transfer` (gain, offset, read noise) and
:mod:`~temdenoise.noise.spectrum` (detector PSF), on frames checked by
:mod:`~temdenoise.noise.frames`; :func:`fit_noise_model` fits them all; the ``fit-noise``
orchestrator is :func:`temdenoise.noise.run.run_fit_noise`.

Adding noise in training::

    model = load_noise_model("noise.json")        # or NoiseModel.from_dict(header_dict)
    expected = clean * dose                         # vacuum = 1 -> counts/px/frame
    noisy = model.sample(expected, rng=np.random.default_rng(seed))
    noisy = model.sample_torch(expected_tensor, generator=torch.Generator(device).manual_seed(seed))

Both return float32 counts (an integrating camera's gain and offset undone); pass
``raw=True`` for detector units. ``model.dose`` is the measured vacuum dose, or None.
"""

from temdenoise.noise.base import NoiseModel, NoiseStage, stage_from_dict
from temdenoise.noise.counting import Categorical, Poisson
from temdenoise.noise.detector import DetectorPSF, GainReadNoise
from temdenoise.noise.fit_model import NoiseFit, fit_noise_model
from temdenoise.noise.store import load_noise_model, save_noise_model

__all__ = [
    "Categorical",
    "DetectorPSF",
    "GainReadNoise",
    "NoiseFit",
    "NoiseModel",
    "NoiseStage",
    "Poisson",
    "fit_noise_model",
    "load_noise_model",
    "save_noise_model",
    "stage_from_dict",
]
