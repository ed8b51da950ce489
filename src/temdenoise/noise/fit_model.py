"""Fit a whole noise model to one region of a movie (and an optional vacuum region)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from temdenoise.errors import InputError
from temdenoise.noise.align import align_frames, estimate_drift
from temdenoise.noise.base import NoiseModel, NoiseStage
from temdenoise.noise.counting import Poisson
from temdenoise.noise.detector import DetectorPSF, GainReadNoise
from temdenoise.noise.fit_counting import (
    MAX_COUNT,
    MIN_MOVIE_FRAMES,
    CategoricalFit,
    fit_categorical,
)
from temdenoise.noise.fit_flat import FlatFit, fit_flat
from temdenoise.noise.fit_transfer import PhotonTransferFit, fit_photon_transfer
from temdenoise.noise.frames import check_frames, is_integer_valued
from temdenoise.noise.spectrum import CorrelationFit, fit_correlation, noise_fields

DetectorChoice = Literal["auto", "counting", "integrating"]
CountingModel = Literal["categorical", "poisson"]
MIN_PSF_SIGMA = 0.05
"""PSF widths (pixels) below this are left out of the model."""


@dataclass(frozen=True)
class NoiseFit:
    """A fitted noise model with every fit behind it (for reports and figures).

    Attributes
    ----------
    model : NoiseModel
    shifts : ndarray of shape (frames, 2) or None
        Whole-pixel drift (row, column) found and undone.
    categorical, flat, transfer, correlation : fit results or None
        Those that ran.
    notes : tuple of str
        What the fit assumed or could not do, one sentence each.

    """

    model: NoiseModel
    shifts: np.ndarray | None
    categorical: CategoricalFit | None
    flat: FlatFit | None
    transfer: PhotonTransferFit | None
    correlation: CorrelationFit | None
    notes: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        """Goodness-of-fit and parameters of every fit, JSON-compatible."""
        out: dict[str, Any] = {"notes": list(self.notes)}
        if self.shifts is not None:
            out["drift_px"] = {
                "max_abs_row": int(np.abs(self.shifts[:, 0]).max()),
                "max_abs_column": int(np.abs(self.shifts[:, 1]).max()),
            }
        for name in ("categorical", "flat", "transfer", "correlation"):
            result = getattr(self, name)
            if result is not None:
                out[name] = result.summary()
        return out


def detect_detector(frames: np.ndarray) -> Literal["counting", "integrating"]:
    """Say "counting" when every value is a small whole number >= 0, integrating otherwise."""
    small = float(frames.max()) <= MAX_COUNT and float(frames.mean()) < 50
    return "counting" if small and is_integer_valued(frames) else "integrating"


def fit_noise_model(
    frames: np.ndarray,
    *,
    vacuum: np.ndarray | None = None,
    detector: DetectorChoice = "auto",
    counting_model: CountingModel = "categorical",
    n_bins: int = 16,
    align: bool = True,
    max_shift: int = 32,
    offset: float | None = None,
    tile: int = 64,
) -> NoiseFit:
    """Fit a noise model to a region of a movie.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns) or (rows, columns)
        The region (static or slowly changing), counts or detector units per pixel.
    vacuum : ndarray of shape (frames, rows, columns), optional
        A vacuum or flat region: gives the dose (counts per pixel per frame) and, for
        a single frame, the noise power spectrum.
    detector : {"auto", "counting", "integrating"}
        "auto": counting when the values are small whole numbers.
    counting_model : {"categorical", "poisson"}
        Counting detectors: the empirical model (needs >= 8 frames) or plain Poisson.
    n_bins : int
        Intensity bins of the categorical model.
    align : bool
        Undo rigid whole-pixel drift before temporal averaging.
    max_shift : int
        Largest drift searched, pixels.
    offset : float, optional
        Known detector offset (integrating cameras), detector units.
    tile : int
        Size of the noise power spectrum, pixels.

    Returns
    -------
    NoiseFit

    Raises
    ------
    InputError
        Bad frames or too few of them for the requested fit (one line).

    """
    x = check_frames(frames, what="region")
    vac = None if vacuum is None else check_frames(vacuum, what="vacuum region")
    kind = detect_detector(x) if detector == "auto" else detector
    notes: list[str] = []
    shifts = None
    if align and x.shape[0] >= 2:
        shifts = estimate_drift(x, group=4 if x.shape[0] >= 16 else 1, max_shift=max_shift)
        try:
            x = align_frames(x, shifts)
        except ValueError as exc:
            raise InputError(f"region: {exc}") from None
    white = kind == "integrating"
    if x.shape[0] >= 2:
        correlation: CorrelationFit | None = fit_correlation(
            noise_fields(x), tile=tile, white=white
        )
    elif vac is not None:
        correlation = fit_correlation(noise_fields(vac[:1]), tile=tile, white=white)
    else:
        correlation = None
    if kind == "counting":
        return _fit_counting(x, vac, correlation, shifts, counting_model, n_bins, notes)
    return _fit_integrating(x, vac, correlation, shifts, offset, notes)


def _fit_counting(
    x: np.ndarray,
    vac: np.ndarray | None,
    correlation: CorrelationFit | None,
    shifts: np.ndarray | None,
    counting_model: CountingModel,
    n_bins: int,
    notes: list[str],
) -> NoiseFit:
    if not is_integer_valued(x):
        raise InputError("region: a counting detector records whole numbers >= 0")
    categorical = None
    stage: NoiseStage
    if counting_model == "categorical" and x.shape[0] >= MIN_MOVIE_FRAMES:
        categorical = fit_categorical(x, n_bins=n_bins)
        stage = categorical.model
    elif counting_model == "categorical" and vac is None:
        raise InputError(
            f"region: too few frames: {x.shape[0]} (the categorical model needs at least "
            f"{MIN_MOVIE_FRAMES}; give a vacuum region for a Poisson fit of single frames)"
        )
    else:
        stage = Poisson()
        if counting_model == "categorical":
            notes.append(f"fewer than {MIN_MOVIE_FRAMES} frames: Poisson model from the vacuum")
    transfer = fit_photon_transfer(x) if x.shape[0] >= 2 else None
    flat = fit_flat(vac) if vac is not None else None
    if correlation is not None and max(correlation.sigma_row, correlation.sigma_column) > 0.3:
        notes.append(
            "counts are spatially correlated (PSF sigma row "
            f"{correlation.sigma_row:.2f}, column {correlation.sigma_column:.2f} px); "
            "the counting model samples pixels independently"
        )
    model = NoiseModel(
        stages=(stage,),
        detector="counting",
        dose=flat.mean if flat is not None else None,
    )
    return NoiseFit(model, shifts, categorical, flat, transfer, correlation, tuple(notes))


def _fit_integrating(
    x: np.ndarray,
    vac: np.ndarray | None,
    correlation: CorrelationFit | None,
    shifts: np.ndarray | None,
    offset: float | None,
    notes: list[str],
) -> NoiseFit:
    if x.shape[0] < 2 or correlation is None:
        raise InputError(
            f"region: too few frames: {x.shape[0]} (an integrating camera's gain and read "
            "noise need at least 2 frames of the same region)"
        )
    psf = DetectorPSF(
        sigma_row=correlation.sigma_row if correlation.sigma_row >= MIN_PSF_SIGMA else 0.0,
        sigma_column=correlation.sigma_column if correlation.sigma_column >= MIN_PSF_SIGMA else 0.0,
    )
    read_variance = correlation.white_power if correlation.separable else None
    transfer = fit_photon_transfer(
        x, noise_factor=psf.noise_factor, read_variance=read_variance, offset=offset
    )
    if transfer.gain is None:
        raise InputError("region: the variance does not grow with the signal (no shot noise)")
    if transfer.offset is None or transfer.read_noise is None:
        raise InputError(
            "region: without a detector point-spread the offset and the read noise cannot "
            "be told apart: give the detector offset"
        )
    stages: list[NoiseStage] = [Poisson()]
    if psf.sigma_row > 0 or psf.sigma_column > 0:
        stages.append(psf)
    stages.append(
        GainReadNoise(gain=transfer.gain, offset=transfer.offset, read_noise=transfer.read_noise)
    )
    flat = fit_flat(vac) if vac is not None else None
    dose = None
    if flat is not None:
        dose = (flat.mean - transfer.offset) / transfer.gain
        if dose <= 0:
            notes.append("the vacuum region is not above the offset: no dose recorded")
            dose = None
    model = NoiseModel(stages=tuple(stages), detector="integrating", dose=dose)
    return NoiseFit(model, shifts, None, flat, transfer, correlation, tuple(notes))
