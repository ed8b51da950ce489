"""What the microscope and detector transfer (pure): wavelength, coherence limits, MTF.

Conventions as in :mod:`temdenoise.simulate.hrtem`: ``focal_spread`` is the 1/e
half-width of the defocus distribution in angstrom (sqrt(2) times its standard
deviation); ``energy`` is the accelerating voltage in eV.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from temdenoise.errors import ConfigError

if TYPE_CHECKING:
    from temdenoise.config import SimulateConfig

FOCAL_SPREAD_SPAN = 2.5
"""The explicit defocus average samples the Gaussian within this many standard deviations."""


def wavelength(energy: float) -> float:
    """Relativistic electron wavelength (A) at an accelerating voltage ``energy`` (eV)."""
    return 12.26426 / math.sqrt(energy * (1.0 + 0.9784756e-6 * energy))


def information_limit(*, energy: float, focal_spread: float) -> float:
    """Information limit (A) set by the temporal-coherence envelope.

    The spatial frequency at which the envelope exp(-(pi lambda Delta k^2 / 2)^2) of
    abTEM falls to exp(-2).

    Parameters
    ----------
    energy : float
        Accelerating voltage (eV).
    focal_spread : float
        1/e half-width of the defocus spread (A); must be > 0.

    Returns
    -------
    float
        The smallest transferred spacing (A).

    """
    if focal_spread <= 0:
        raise ValueError(f"focal_spread must be > 0, got {focal_spread}")
    k2 = 2.0 * math.sqrt(2.0) / (math.pi * wavelength(energy) * focal_spread)
    return 1.0 / math.sqrt(k2)


def transferred_spacing(
    *, energy: float, focal_spread: float, sampling: float, objective_aperture: float | None = None
) -> float:
    """Finest spacing (A) the simulated microscope transfers to the image wave.

    The largest of the information limit (when ``focal_spread`` > 0), the multislice
    anti-aliasing limit (abTEM keeps 2/3 of the grid's Nyquist frequency: 3
    ``sampling``) and the objective aperture's cut-off. An image pixel must be at most
    half of it for the image not to alias.

    Parameters
    ----------
    energy : float
        Accelerating voltage (eV).
    focal_spread : float
        1/e half-width of the defocus spread (A).
    sampling : float
        Multislice grid spacing (A).
    objective_aperture : float, optional
        Aperture semi-angle (mrad).

    Returns
    -------
    float
        Spacing in angstrom.

    """
    limits = [3.0 * sampling]
    if focal_spread > 0:
        limits.append(information_limit(energy=energy, focal_spread=focal_spread))
    if objective_aperture is not None:
        limits.append(wavelength(energy) / (objective_aperture * 1e-3))
    return max(limits)


def focal_spread_average(
    focal_spread: float, samples: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Defocus offsets (A) and normalized Gaussian weights of an explicit focal-spread average.

    Parameters
    ----------
    focal_spread : float
        1/e half-width (A); the standard deviation is ``focal_spread / sqrt(2)``.
    samples : int
        Number of defocus values, evenly spaced over +-2.5 standard deviations.

    Returns
    -------
    offsets, weights : ndarray of float64, shape (samples,)

    """
    if samples <= 1 or focal_spread <= 0:
        return np.zeros(1), np.ones(1)
    sd = focal_spread / math.sqrt(2.0)
    offsets = np.linspace(-FOCAL_SPREAD_SPAN, FOCAL_SPREAD_SPAN, samples) * sd
    weights = np.exp(-0.5 * (offsets / sd) ** 2)
    return offsets, weights / weights.sum()


def detector_mtf(
    shape: tuple[int, int], *, floor: float, half_frequency: float
) -> NDArray[np.float64]:
    """Evaluate a detector modulation transfer function on the FFT grid of an image.

    ``MTF(f) = floor + (1 - floor) / (1 + (f / half_frequency)^2)`` with f the spatial
    frequency in units of the Nyquist frequency, times the pixel aperture
    sinc(f_row / 2) sinc(f_column / 2).

    Parameters
    ----------
    shape : (int, int)
        Image (rows, columns).
    floor : float
        Transfer at high frequency of the Lorentzian part, 0 to 1.
    half_frequency : float
        Frequency (units of Nyquist) where the Lorentzian part is halfway down.

    Returns
    -------
    ndarray of float64, shape ``shape``
        Transfer at each FFT frequency (1 at zero frequency).

    """
    fr = 2.0 * np.fft.fftfreq(shape[0])[:, None]
    fc = 2.0 * np.fft.fftfreq(shape[1])[None, :]
    radius = np.sqrt(fr**2 + fc**2)
    lorentz = floor + (1.0 - floor) / (1.0 + (radius / half_frequency) ** 2)
    return np.asarray(lorentz * np.sinc(fr / 2.0) * np.sinc(fc / 2.0), dtype=np.float64)


def check_sampling(config: SimulateConfig) -> None:
    """Refuse a pixel size that cannot sample the finest spacing the microscope transfers.

    Raises
    ------
    ConfigError
        ``pixel_size`` is coarser than half the information limit at the smallest focal
        spread: the images would alias.
    """
    focal_spread = config.focal_spread_range[0]
    finest = transferred_spacing(
        energy=config.energy,
        focal_spread=focal_spread,
        sampling=config.sampling,
        objective_aperture=config.objective_aperture,
    )
    if config.pixel_size > finest / 2:
        raise ConfigError(
            f"pixel_size {config.pixel_size} A is coarser than half the information limit "
            f"({finest:.3f} A at focal spread {focal_spread} A): images would alias; use a "
            f"pixel size <= {finest / 2:.3f} A or a larger focal spread"
        )
