"""Evaluate a denoised movie from frame arrays: every metric, no I/O (:func:`evaluate_movie`).

Frames are NumPy arrays of shape (frames, rows, columns), or anything indexable by frame;
:func:`temdenoise.evaluate.report.write_report` writes the :class:`Evaluation` out and
:func:`temdenoise.evaluate.run.run_evaluate` reads files for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from temdenoise.errors import ConfigError, InputError
from temdenoise.evaluate import metrics
from temdenoise.evaluate import umse as unsupervised  # `umse` also names an option below
from temdenoise.evaluate.atom_scores import score_atoms
from temdenoise.evaluate.atoms import detect_atoms
from temdenoise.evaluate.likelihood import atom_log_likelihood_ratios, estimate_background
from temdenoise.evaluate.profiles import LineProfile, line_profile
from temdenoise.evaluate.residual import ResidualCheck, residual_check
from temdenoise.evaluate.summary import atom_summary, profile_summary, summarise_series
from temdenoise.evaluate.verdict import verdict
from temdenoise.noise.dose import counts_verdict

Progress = Callable[[int, int], None]


class Frames(Protocol):
    """Frames indexable one at a time: a NumPy array (frames, rows, columns) will do."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, index: int, /) -> Any: ...


@dataclass(frozen=True)
class Evaluation:
    """Everything :func:`evaluate_movie` measured, ready to be written or plotted.

    Attributes
    ----------
    metrics : dict
        JSON-ready numbers (the ``metrics.json`` body without inputs and figures).
    frame : int
        The frame shown in the figures (index into the evaluated frames + ``first_frame``).
    noisy, denoised : ndarray of shape (rows, columns)
        That frame, counts per pixel.
    clean : ndarray of shape (rows, columns) or None
        The clean frame, when given.
    profiles : dict of str to LineProfile
        "noisy", "denoised" (and "clean") profiles along the same line.
    residual : ResidualCheck
    atoms : ndarray of shape (n, 2)
        Columns detected in the denoised frame, (row, column) px.
    llr : ndarray of shape (n,)
        Their Poisson log-likelihood ratios, nats.
    background : float
        Background level used for ``llr``, counts per pixel.
    truth : ndarray of shape (m, 2) or None
        Ground-truth columns (given, or detected in the clean frame).
    per_frame : dict of str to list
        Per-frame series ("frame", "psnr_count", "upsnr_count", ...).
    pixel_size : float or None
        Angstrom per pixel.

    """

    metrics: dict[str, Any]
    frame: int
    noisy: np.ndarray = field(repr=False)
    denoised: np.ndarray = field(repr=False)
    clean: np.ndarray | None = field(repr=False)
    profiles: dict[str, LineProfile] = field(repr=False)
    residual: ResidualCheck = field(repr=False)
    atoms: np.ndarray = field(repr=False)
    llr: np.ndarray = field(repr=False)
    background: float
    truth: np.ndarray | None = field(repr=False)
    per_frame: dict[str, list[float]] = field(repr=False)
    pixel_size: float | None


def evaluate_movie(
    noisy: Frames,
    denoised: Frames,
    clean: Frames | None = None,
    *,
    pixel_size: float | None = None,
    frame: int | None = None,
    line: tuple[float, float, float, float] | None = None,
    width: int = 10,
    polarity: Literal["bright", "dark"] = "bright",
    atom_sigma: float = 1.5,
    min_distance: int = 4,
    threshold: float | None = None,
    atom_radius: float = 3.0,
    tolerance: float = 3.0,
    background: float | None = None,
    variance_slope: float = 1.0,
    variance_offset: float = 0.0,
    umse: Literal["adjacent", "none"] = "adjacent",
    truth: np.ndarray | None = None,
    denoiser: Callable[[np.ndarray], np.ndarray] | None = None,
    first_frame: int = 0,
    progress: Progress | None = None,
) -> Evaluation:
    """Measure how far a denoised movie can be trusted.

    Per frame: with a clean reference, ``psnr_count``, ``psnr_range`` and ``ssim`` (data
    range of the clean frame) of the denoised and of the noisy frame; without one too,
    uMSE/uPSNR from adjacent frames for the denoised and the noisy frame (``umse=
    "adjacent"``, 4 frames or more). On the shown ``frame``: residual checks against the
    noise model, atom columns and their likelihood ratios, surface-atom F1 against the
    truth, line profiles and their SNR, and the 2 x 2 sub-sampled uMSE when a
    ``denoiser`` is given.

    Parameters
    ----------
    noisy, denoised : array-like of shape (frames, rows, columns)
        Raw counts and denoised expected counts per pixel (indexable by frame).
    clean : array-like of shape (frames, rows, columns) or (1, rows, columns), optional
        Ground truth; one frame stands for every frame (a static scene).
    pixel_size : float, optional
        Angstrom per pixel (figures and distances in A when known).
    frame : int, optional
        Frame shown in the figures, counted like ``first_frame`` (default: the middle one).
    line : tuple of 4 float, optional
        (row0, column0, row1, column1) of the profile, px. Default: a horizontal line
        through the centre over the middle half of the columns.
    width : int
        Profile width, px (the seed: 10).
    polarity, atom_sigma, min_distance, threshold
        Atom detection: see :func:`temdenoise.evaluate.atoms.detect_atoms`.
    atom_radius : float
        Disc summed in each likelihood ratio, px.
    tolerance : float
        Largest distance between a detected and a true column, px.
    background : float, optional
        Vacuum level for the likelihood ratios, counts per pixel (default: estimated).
    variance_slope, variance_offset : float
        Noise model of the residual check: variance = slope * intensity + offset.
    umse : {"adjacent", "none"}
        Whether to estimate uMSE from adjacent frames (a static scene, single-frame
        denoiser).
    truth : ndarray of shape (m, 2), optional
        True column positions in the shown frame, px (default: detected in the clean frame).
    denoiser : callable, optional
        Image -> denoised image, for the 2 x 2 sub-sampled uMSE of the shown frame.
    first_frame : int
        Movie index of the first frame given (for labels).
    progress : callable, optional
        ``progress(done, total)`` after each frame.

    Returns
    -------
    Evaluation

    Raises
    ------
    InputError
        Shapes that differ, NaN or infinite pixels.
    ConfigError
        A shown frame or a line outside the data.

    """
    n, rows, columns = _check_shapes(noisy, denoised, clean)
    shown = first_frame + n // 2 if frame is None else frame
    if not first_frame <= shown < first_frame + n:
        raise ConfigError(
            f"frame {shown} is not among the evaluated frames {first_frame}..{first_frame + n - 1}"
        )
    ends = _default_line(rows, columns) if line is None else line
    _profiles({"probe": np.zeros((rows, columns), np.float32)}, ends, width)  # fail early
    notes: list[str] = []
    use_umse = umse == "adjacent" and n >= 4
    if umse == "adjacent" and n < 4:
        notes.append(f"uMSE from adjacent frames needs 4 frames; {n} given: not computed")
    series: dict[str, list[float]] = {"frame": []}

    def add(name: str, value: float) -> None:
        series.setdefault(name, []).append(value)

    for t in range(n):
        y, d = _frame(noisy, t, "noisy"), _frame(denoised, t, "denoised")
        series["frame"].append(first_frame + t)
        if clean is not None:
            x = _frame(clean, t if clean.shape[0] > 1 else 0, "clean")
            data_range = float(x.max() - x.min())
            add("mse", metrics.mse(x, d))
            add("psnr_count", metrics.psnr_count(x, d))
            add("psnr_count_noisy", metrics.psnr_count(x, y))
            if data_range > 0:
                add("psnr_range", metrics.psnr_range(x, d))
                add("psnr_range_noisy", metrics.psnr_range(x, y))
                add("ssim", metrics.ssim(x, d, data_range=data_range))
                add("ssim_noisy", metrics.ssim(x, y, data_range=data_range))
        if use_umse:
            a, b, c = (_frame(noisy, i, "noisy") for i in unsupervised.adjacent_copies(t, n))
            for name, estimate in (("", d), ("_noisy", y)):
                value = unsupervised.umse(estimate, a, b, c)
                add(f"umse{name}", value)
                add(f"umse{name}_se", unsupervised.umse_standard_error(estimate, a, b, c))
                add(f"upsnr_count{name}", unsupervised.upsnr(value))
        if progress is not None:
            progress(t + 1, n)

    t = shown - first_frame
    y, d = _frame(noisy, t, "noisy"), _frame(denoised, t, "denoised")
    ref = None if clean is None else _frame(clean, t if clean.shape[0] > 1 else 0, "clean")
    residual = residual_check(y, d, slope=variance_slope, offset=variance_offset)

    found = detect_atoms(
        d, sigma=atom_sigma, min_distance=min_distance, threshold=threshold, polarity=polarity
    )
    level = (
        background if background is not None else estimate_background(d, found, radius=atom_radius)
    )
    if level <= 0:
        notes.append(f"estimated background {level:.3g} <= 0: likelihood ratios use 1e-3")
        level = 1e-3
    llr = atom_log_likelihood_ratios(y, d, found, background=level, radius=atom_radius)
    if truth is None and ref is not None:
        truth = detect_atoms(
            ref, sigma=atom_sigma, min_distance=min_distance, threshold=threshold, polarity=polarity
        )
    scores = None
    if truth is not None:
        scores = score_atoms(found, truth, tolerance=tolerance)

    profiles = _profiles({"noisy": y, "denoised": d, "clean": ref}, ends, width)

    subsampled = None
    if denoiser is not None:
        value = unsupervised.umse_subsampled(y, denoiser)
        subsampled = {"umse": value, "upsnr_count": unsupervised.upsnr(value)}

    body: dict[str, Any] = {
        "frames_evaluated": n,
        "frame_shown": shown,
        "summary": summarise_series(series),
        "per_frame": series,
        "residual": residual.summary(),
        "atoms": atom_summary(found, llr, level, atom_radius, scores),
        "profiles": profile_summary(profiles, ends, width, pixel_size),
        "umse_subsampled": subsampled,
        "notes": notes,
    }
    body["verdict"] = [
        {"level": f.level, "text": f.text} for f in verdict(body, counts=counts_verdict(y))
    ]
    return Evaluation(
        metrics=body,
        frame=shown,
        noisy=y,
        denoised=d,
        clean=ref,
        profiles=profiles,
        residual=residual,
        atoms=found,
        llr=llr,
        background=float(level),
        truth=None if truth is None else np.asarray(truth, dtype=np.float64).reshape(-1, 2),
        per_frame=series,
        pixel_size=pixel_size,
    )


def _check_shapes(noisy: Frames, denoised: Frames, clean: Frames | None) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in noisy.shape)
    if len(shape) != 3 or 0 in shape:
        raise InputError(f"noisy: expected frames of shape (frames, rows, columns), got {shape}")
    for name, other in (("denoised", denoised), ("clean", clean)):
        if other is None:
            continue
        got = tuple(int(s) for s in other.shape)
        if got != shape and not (name == "clean" and got == (1, *shape[1:])):
            raise InputError(f"{name}: shape {got} does not match the noisy frames {shape}")
    return shape[0], shape[1], shape[2]


def _frame(frames: Frames, index: int, name: str) -> np.ndarray:
    image = np.asarray(frames[index], dtype=np.float32)
    if not np.all(np.isfinite(image)):
        raise InputError(f"{name}: frame {index} has NaN or infinite pixels")
    return image


def _default_line(rows: int, columns: int) -> tuple[float, float, float, float]:
    row = float(rows // 2)
    return (row, float(columns // 4), row, float(columns - 1 - columns // 4))


def _profiles(
    images: dict[str, np.ndarray | None],
    ends: tuple[float, float, float, float],
    width: int,
) -> dict[str, LineProfile]:
    r0, c0, r1, c1 = ends
    result = {}
    for name, image in images.items():
        if image is None:
            continue
        try:
            result[name] = line_profile(image, (r0, c0), (r1, c1), width=width)
        except ValueError as exc:
            raise ConfigError(f"line {r0:g},{c0:g},{r1:g},{c1:g}: {exc}") from None
    return result
