"""Plane-wave HRTEM images by multislice: the only module that imports abTEM.

The chain, for one image: an independent-atom potential (Lobato parametrization,
infinite projection, Debye-Waller smeared unless frozen phonons are asked for), a
300 kV plane wave through it, the objective lens (defocus, Cs, aperture, beam
convergence as a spatial envelope), focal spread as an explicit average of
intensities over a Gaussian spread of defocus (or, optionally, as an envelope),
vibration as a Gaussian blur, then resampling to the requested pixel size, an
optional detector MTF, cropping of the simulated margin, and scaling so that vacuum
reads ``dose`` counts per pixel.

Conventions: ``defocus`` is -C10 (positive is underfocus), ``cs`` is C30, both in
angstrom; ``focal_spread`` is the 1/e half-width of the defocus distribution in
angstrom (sqrt(2) times its standard deviation); ``angular_spread`` is the
convergence semi-angle in mrad. abTEM arrays are [x, y]; images here are
(row, column) with rows along y.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from temdenoise.simulate.transfer import detector_mtf, focal_spread_average

if TYPE_CHECKING:
    from ase import Atoms


def fast_fft_size(n: int) -> int:
    """Smallest integer >= ``n`` whose prime factors are 2, 3, 5 and 7."""
    size = max(int(n), 1)
    while True:
        m = size
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return size
        size += 1


def simulation_grid(
    shape: tuple[int, int], *, pixel_size: float, margin: int, sampling: float
) -> tuple[tuple[float, float], tuple[int, int]]:
    """Extent and grid of the multislice for an output image with its margin.

    Parameters
    ----------
    shape : (int, int)
        Output image (rows, columns) in pixels.
    pixel_size : float
        Output pixel size (A).
    margin : int
        Pixels simulated beyond each edge and cropped.
    sampling : float
        Largest multislice grid spacing (A).

    Returns
    -------
    box : (float, float)
        Simulated extent (rows, columns) in A.
    gpts : (int, int)
        Multislice grid points (rows, columns): FFT-friendly, spacing <= ``sampling``.

    """
    box = ((shape[0] + 2 * margin) * pixel_size, (shape[1] + 2 * margin) * pixel_size)
    gpts = (
        fast_fft_size(math.ceil(box[0] / sampling - 1e-9)),
        fast_fft_size(math.ceil(box[1] / sampling - 1e-9)),
    )
    return box, gpts


def fourier_resample(
    image: NDArray[np.floating[Any]], shape: tuple[int, int]
) -> NDArray[np.float64]:
    """Resample a periodic image to ``shape`` over the same extent, band-limited.

    Spatial frequencies above the new Nyquist frequency are dropped (an ideal
    anti-aliasing filter); upsampling pads with zeros. The mean is preserved.

    Parameters
    ----------
    image : ndarray of shape (rows, columns)
    shape : (int, int)
        New (rows, columns).

    Returns
    -------
    ndarray of float64, shape ``shape``

    """
    spectrum = np.fft.fftshift(np.fft.fft2(image))
    out = np.zeros(shape, dtype=np.complex128)
    old = np.array(image.shape)
    new = np.array(shape)
    common = np.minimum(old, new)
    # keep the frequencies -common//2 .. (common-1)//2, centred at old//2 and new//2
    src = tuple(
        slice(o // 2 - c // 2, o // 2 - c // 2 + c) for o, c in zip(old, common, strict=True)
    )
    dst = tuple(
        slice(n // 2 - c // 2, n // 2 - c // 2 + c) for n, c in zip(new, common, strict=True)
    )
    out[dst] = spectrum[src]
    result = np.fft.ifft2(np.fft.ifftshift(out)).real
    return np.asarray(result * (new.prod() / old.prod()), dtype=np.float64)


def _gaussian_blur(
    image: NDArray[np.float64], sigma: float, spacing: tuple[float, float]
) -> NDArray[np.float64]:
    """Periodic Gaussian blur with standard deviation ``sigma`` (A) on a grid of ``spacing``."""
    if sigma <= 0:
        return image
    kr = np.fft.fftfreq(image.shape[0], spacing[0])[:, None]
    kc = np.fft.fftfreq(image.shape[1], spacing[1])[None, :]
    kernel = np.exp(-2.0 * math.pi**2 * sigma**2 * (kr**2 + kc**2))
    return np.asarray(np.fft.ifft2(np.fft.fft2(image) * kernel).real, dtype=np.float64)


def thermal_displacements(
    symbols: list[str], sigmas: Mapping[str, float], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Random isotropic displacements (A) of a frozen-phonon configuration (Einstein model).

    Parameters
    ----------
    symbols : list of str
        Chemical symbol of each atom.
    sigmas : mapping of str to float
        Root-mean-square displacement along one axis for each element (A).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, shape (atoms, 3)

    """
    scale = np.array([sigmas[s] for s in symbols], dtype=np.float64)
    return rng.standard_normal((len(symbols), 3)) * scale[:, None]


def abtem_settings(threads: int = 1) -> contextlib.ExitStack:
    """Set abTEM up for batch work; the settings last until the returned stack is closed.

    CPU, float32, FFTW with ``threads`` threads and estimated (not measured) plans, so
    that results are bitwise reproducible, no progress bars, Dask's synchronous
    scheduler. Use as ``with abtem_settings(2): ...``; a worker process that only
    simulates may call it once and keep the settings.
    """
    import abtem
    import dask

    stack = contextlib.ExitStack()
    stack.enter_context(
        abtem.config.set(
            {
                "diagnostics.progress_bar": False,
                "fftw.planning_effort": "FFTW_ESTIMATE",
                "fftw.threads": int(threads),
                "device": "cpu",
                "precision": "float32",
            }
        )
    )
    stack.enter_context(dask.config.set(scheduler="synchronous"))
    return stack


def versions() -> dict[str, str]:
    """Versions of the simulation stack (abTEM, ASE)."""
    import abtem
    import ase

    return {"abtem": str(abtem.__version__), "ase": str(ase.__version__)}


def simulate_image(
    atoms: Atoms,
    *,
    shape: tuple[int, int],
    pixel_size: float,
    margin: int,
    dose: float,
    defocus: float,
    cs: float,
    focal_spread: float,
    angular_spread: float,
    energy: float = 300e3,
    focal_spread_samples: int = 7,
    vibration: float = 0.0,
    objective_aperture: float | None = None,
    mtf: tuple[float, float] | None = None,
    sampling: float = 0.1,
    slice_thickness: float = 2.0,
    frozen_phonons: int = 0,
    thermal_sigmas: Mapping[str, float] | None = None,
    seed: int = 0,
) -> NDArray[np.float32]:
    """Simulate one plane-wave HRTEM image in expected counts per pixel.

    Parameters
    ----------
    atoms : ase.Atoms
        Specimen with cell (columns, rows, depth) equal to the simulated box, see
        :func:`simulation_grid` (x along columns, y along rows, z along the beam).
    shape : (int, int)
        Output (rows, columns) in pixels, without the margin.
    pixel_size : float
        Output pixel size (A per pixel).
    margin : int
        Pixels simulated beyond each edge and cropped (keeps the periodic wrap-around
        and FFT ringing out of the image).
    dose : float
        Mean counts per pixel in vacuum.
    defocus : float
        -C10 (A); positive is underfocus.
    cs : float
        Spherical aberration C30 (A).
    focal_spread : float
        1/e half-width of the defocus spread (A); 0 for none.
    angular_spread : float
        Beam convergence semi-angle (mrad), applied as the quasi-coherent envelope.
    energy : float
        Accelerating voltage (eV).
    focal_spread_samples : int
        Defocus values of the explicit focal-spread average; 0 or 1 applies the
        temporal envelope instead (cheaper, ~12% less particle contrast).
    vibration : float
        Standard deviation of an isotropic Gaussian image blur (A).
    objective_aperture : float, optional
        Objective aperture semi-angle (mrad); None for none (abTEM's anti-aliasing
        limit still applies).
    mtf : (float, float), optional
        Detector MTF ``(floor, half_frequency)``, see :func:`detector_mtf`; None for an
        ideal detector.
    sampling : float
        Largest multislice grid spacing (A); 0.1 or finer for Pt columns.
    slice_thickness : float
        Multislice slice thickness (A).
    frozen_phonons : int
        Number of frozen-phonon configurations averaged; 0 uses one static potential
        smeared by the Debye-Waller factors instead (about as accurate, no extra cost).
    thermal_sigmas : mapping of str to float, optional
        Root-mean-square displacement per axis for each element (A); default
        :data:`temdenoise.simulate.materials.THERMAL_SIGMAS`.
    seed : int
        Seed of the frozen-phonon displacements.

    Returns
    -------
    ndarray of float32, shape ``shape``
        Expected electron counts per pixel.

    """
    import abtem

    from temdenoise.simulate.materials import THERMAL_SIGMAS

    sigmas = dict(THERMAL_SIGMAS if thermal_sigmas is None else thermal_sigmas)
    box, gpts = simulation_grid(shape, pixel_size=pixel_size, margin=margin, sampling=sampling)
    cell = atoms.cell.lengths()
    if not (
        math.isclose(cell[0], box[1], rel_tol=1e-6) and math.isclose(cell[1], box[0], rel_tol=1e-6)
    ):
        raise ValueError(
            f"atoms cell {cell[0]:.3f} x {cell[1]:.3f} A does not match the simulated box "
            f"{box[1]:.3f} x {box[0]:.3f} A (columns x rows)"
        )
    specimen: Any = atoms
    symbols = list(specimen.get_chemical_symbols())
    missing = sorted(set(symbols) - set(sigmas))
    if missing:
        raise ValueError(f"no thermal displacement known for {', '.join(missing)}")
    rng = np.random.default_rng(seed)
    offsets, weights = focal_spread_average(focal_spread, focal_spread_samples)
    explicit = len(offsets) > 1
    configurations = max(frozen_phonons, 1)
    intensity = np.zeros((gpts[1], gpts[0]), dtype=np.float64)  # [x, y]
    for _ in range(configurations):
        if frozen_phonons > 0:
            configuration = specimen.copy()
            configuration.positions = configuration.positions + thermal_displacements(
                symbols, sigmas, rng
            )
            parametrization = abtem.parametrizations.LobatoParametrization()
        else:  # one static potential smeared by the Debye-Waller factors
            configuration = specimen
            parametrization = abtem.parametrizations.LobatoParametrization(
                sigmas={s: sigmas[s] for s in set(symbols)}
            )
        potential = abtem.Potential(
            configuration,
            gpts=(gpts[1], gpts[0]),
            slice_thickness=slice_thickness,
            parametrization=parametrization,
            projection="infinite",
        )
        exit_wave: Any = abtem.PlaneWave(energy=float(energy)).multislice(potential, lazy=False)
        for offset, weight in zip(offsets, weights, strict=True):
            ctf = abtem.CTF(
                energy=float(energy),
                defocus=float(defocus + offset),
                Cs=float(cs),
                focal_spread=0.0 if explicit else float(focal_spread),
                angular_spread=float(angular_spread),
                semiangle_cutoff=np.inf
                if objective_aperture is None
                else float(objective_aperture),
            )
            image = exit_wave.apply_ctf(ctf).intensity().array
            intensity += (weight / configurations) * np.asarray(image, dtype=np.float64)
    spacing = (box[0] / gpts[0], box[1] / gpts[1])
    rows_cols = _gaussian_blur(intensity.T, vibration, spacing)
    full = (shape[0] + 2 * margin, shape[1] + 2 * margin)
    resampled = fourier_resample(rows_cols, full)
    if mtf is not None:
        transfer = detector_mtf(full, floor=mtf[0], half_frequency=mtf[1])
        resampled = np.fft.ifft2(np.fft.fft2(resampled) * transfer).real
    cropped = resampled[margin : margin + shape[0], margin : margin + shape[1]]
    return np.ascontiguousarray(cropped * dose, dtype=np.float32)
