"""Evaluate a denoised movie: metrics with and without ground truth, figures, a report.

Three layers:

- :func:`evaluate_movie` computes everything from frame arrays (NumPy arrays of shape
  (frames, rows, columns), or anything indexable by frame) and returns an
  :class:`Evaluation`; it does no I/O;
- :func:`write_report` writes ``metrics.json``, the PNG figures and ``index.html``;
- :func:`run_evaluate` (the orchestrator behind ``temdenoise evaluate``) reads the files
  through :func:`temdenoise.io.open_source`, frame block by frame block, and calls both.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from temdenoise.errors import ConfigError, InputError
from temdenoise.evaluate import atoms as atom_metrics
from temdenoise.evaluate import metrics
from temdenoise.evaluate.inputs import LazyFrames, noise_variance, source_offset
from temdenoise.evaluate.metrics import ResidualCheck
from temdenoise.evaluate.page import render_page
from temdenoise.evaluate.profiles import LineProfile, line_profile, profile_snr
from temdenoise.evaluate.sizes import pixel_sizes
from temdenoise.evaluate.verdict import verdict
from temdenoise.noise.dose import counts_verdict

if TYPE_CHECKING:
    from temdenoise.config import EvaluateConfig
    from temdenoise.io.base import ArraySource

logger = logging.getLogger(__name__)

FORMAT = "temdenoise-evaluation"
SCHEMA_VERSION = 1
FIGURES = {
    "comparison": "comparison.png",
    "profiles": "profiles.png",
    "likelihood": "likelihood.png",
    "residual": "residual.png",
    "per_frame": "per_frame.png",
    "spectra": "spectra.png",
}
SLIDER = {"noisy": "frame_noisy.png", "denoised": "frame_denoised.png"}
"""The shown frame, raw and denoised, as plain images for the page's comparison slider."""
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
            a, b, c = (_frame(noisy, i, "noisy") for i in metrics.adjacent_copies(t, n))
            for name, estimate in (("", d), ("_noisy", y)):
                value = metrics.umse(estimate, a, b, c)
                add(f"umse{name}", value)
                add(f"umse{name}_se", metrics.umse_standard_error(estimate, a, b, c))
                add(f"upsnr_count{name}", metrics.upsnr(value))
        if progress is not None:
            progress(t + 1, n)

    t = shown - first_frame
    y, d = _frame(noisy, t, "noisy"), _frame(denoised, t, "denoised")
    ref = None if clean is None else _frame(clean, t if clean.shape[0] > 1 else 0, "clean")
    residual = metrics.residual_check(y, d, slope=variance_slope, offset=variance_offset)

    found = atom_metrics.detect_atoms(
        d, sigma=atom_sigma, min_distance=min_distance, threshold=threshold, polarity=polarity
    )
    level = (
        background
        if background is not None
        else atom_metrics.estimate_background(d, found, radius=atom_radius)
    )
    if level <= 0:
        notes.append(f"estimated background {level:.3g} <= 0: likelihood ratios use 1e-3")
        level = 1e-3
    llr = atom_metrics.atom_log_likelihood_ratios(y, d, found, background=level, radius=atom_radius)
    if truth is None and ref is not None:
        truth = atom_metrics.detect_atoms(
            ref, sigma=atom_sigma, min_distance=min_distance, threshold=threshold, polarity=polarity
        )
    scores = None
    if truth is not None:
        scores = atom_metrics.score_atoms(found, truth, tolerance=tolerance)

    profiles = _profiles({"noisy": y, "denoised": d, "clean": ref}, ends, width)

    subsampled = None
    if denoiser is not None:
        value = metrics.umse_subsampled(y, denoiser)
        subsampled = {"umse": value, "upsnr_count": metrics.upsnr(value)}

    body: dict[str, Any] = {
        "frames_evaluated": n,
        "frame_shown": shown,
        "summary": _summary(series),
        "per_frame": series,
        "residual": residual.summary(),
        "atoms": _atom_summary(found, llr, level, atom_radius, scores),
        "profiles": _profile_summary(profiles, ends, width, pixel_size),
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


def write_report(
    evaluation: Evaluation,
    directory: str | os.PathLike[str],
    *,
    inputs: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> Path:
    """Write ``metrics.json``, the figures (PNG) and ``index.html`` into ``directory``.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`evaluate_movie`.
    directory : path-like
        Created when missing; files of the same names are replaced.
    inputs : dict, optional
        Provenance (input paths, shape, frames), stored under "inputs".
    config : dict, optional
        The stage configuration, stored under "config".

    Returns
    -------
    Path
        The ``index.html``.

    """
    from temdenoise import __version__
    from temdenoise.evaluate import plots

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    ev = evaluation
    where = {name: target / file for name, file in FIGURES.items()}
    units = "counts/px"
    panels = [("noisy (raw counts)", ev.noisy), ("denoised", ev.denoised)]
    if ev.clean is not None:
        panels.insert(0, ("clean (ground truth)", ev.clean))
    plots.evaluation_comparison_figure(
        panels,
        where["comparison"],
        pixel_size=ev.pixel_size,
        title=f"frame {ev.frame}: {_comparison_caption(ev.metrics)}",
    )
    plots.evaluation_profile_figure(
        ev.noisy,
        ev.denoised,
        ev.profiles,
        where["profiles"],
        pixel_size=ev.pixel_size,
        snr=ev.metrics["profiles"]["snr"],
    )
    plots.evaluation_likelihood_figure(
        ev.denoised,
        ev.atoms,
        ev.llr,
        where["likelihood"],
        background=ev.background,
        radius=ev.metrics["atoms"]["atom_radius"],
        truth=ev.truth,
    )
    plots.evaluation_residual_figure(ev.residual, where["residual"])
    plots.evaluation_per_frame_figure(ev.per_frame, where["per_frame"])
    plots.evaluation_spectra_figure(
        ev.noisy, ev.denoised, where["spectra"], pixel_size=ev.pixel_size
    )
    shared = (float(np.percentile(ev.denoised, 0.5)), float(np.percentile(ev.denoised, 99.5)))
    plots.plain_image(ev.noisy, target / SLIDER["noisy"], limits=shared)
    plots.plain_image(ev.denoised, target / SLIDER["denoised"], limits=shared)
    document = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "units": {
            "images": units,
            "mse": "counts^2",
            "psnr": "dB",
            "llr": "nats",
            "positions": "px (row, column)",
            "pixel_size": "A/px",
        },
        "conventions": {
            "psnr_count": "10 log10(1 / MSE), MSE in counts^2",
            "psnr_range": "10 log10(R^2 / MSE), R = max(clean) - min(clean) per frame",
            "ssim": "Gaussian window sigma 1.5 px, K1 0.01, K2 0.03, data_range R",
            "umse": "mean((f(y) - a)^2) - mean((b - c)^2) / 2, a b c adjacent noisy frames",
            "upsnr_count": "10 log10(1 / uMSE)",
            "llr": "sum over the atom disc of k log(mu / b) - (mu - b)",
        },
        "inputs": inputs or {},
        "pixel_size": ev.pixel_size,
        **ev.metrics,
        "figures": dict(FIGURES),
        "slider": dict(SLIDER),
        "config": config or {},
    }
    (target / "metrics.json").write_text(json.dumps(_jsonable(document), indent=2) + "\n")
    index = target / "index.html"
    index.write_text(render_page(document))
    return index


def run_evaluate(
    config: EvaluateConfig,
    *,
    progress: Progress | None = None,
    denoiser: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Path:
    """Read the files named in ``config``, evaluate, and write the report.

    Parameters
    ----------
    config : EvaluateConfig
    progress : callable, optional
        ``progress(done, total)`` after each evaluated frame.
    denoiser : callable, optional
        For the 2 x 2 sub-sampled uMSE (see :func:`evaluate_movie`).

    Returns
    -------
    Path
        The report's ``index.html``.

    Raises
    ------
    InputError
        A missing or unreadable file, shapes that differ, NaN or infinite pixels (one line
        naming the file).

    """
    from temdenoise.io import open_source

    paths = {
        "noisy": (config.noisy, config.dataset),
        "denoised": (config.denoised, config.denoised_dataset),
        "clean": (config.clean, config.clean_dataset),
    }
    sources: dict[str, ArraySource] = {}
    try:
        for name, (path, dataset) in paths.items():
            if path is not None:
                sources[name] = open_source(path, dataset=dataset)
        offset = source_offset(sources)
        noisy_src, denoised_src = sources["noisy"], sources["denoised"]
        total = denoised_src.shape[0]
        start, stop = config.frames
        stop = total if stop is None else min(stop, total)
        if not 0 <= start < stop:
            raise ConfigError(
                f"frames {start}:{config.frames[1]} select nothing in {config.denoised} "
                f"({total} frames)"
            )
        requested, stop = stop, min(stop, start + config.max_frames)
        logger.info(
            "evaluating frames %d..%d of %s against frames %d..%d of %s",
            start, stop - 1, config.denoised, start + offset, stop - 1 + offset, config.noisy,
        )  # fmt: skip
        clean_src = sources.get("clean")
        clean_offset = offset if clean_src and clean_src.shape[0] == noisy_src.shape[0] else 0
        if clean_src is not None and clean_src.shape[0] == 1:
            clean_range: tuple[int, int] = (0, 1)
        else:
            clean_range = (start + clean_offset, stop + clean_offset)
        frames = {
            "noisy": LazyFrames(noisy_src, start + offset, stop + offset),
            "denoised": LazyFrames(denoised_src, start, stop),
        }
        if clean_src is not None:
            frames["clean"] = LazyFrames(clean_src, *clean_range)
        pixel_size = config.pixel_size or next(
            (s.metadata.pixel_size for s in sources.values() if s.metadata.pixel_size), None
        )
        settings = config.model_dump(
            include={
                "frame",
                "line",
                "width",
                "polarity",
                "atom_sigma",
                "min_distance",
                "threshold",
                "atom_radius",
                "tolerance",
                "background",
                "variance_slope",
                "variance_offset",
                "umse",
            }
        )
        settings.update(pixel_sizes(settings, pixel_size))
        if config.noise is not None:
            level = float(np.mean(frames["noisy"][0]))
            slope, intercept = noise_variance(config.noise, level)
            settings.update(variance_slope=slope, variance_offset=intercept)
        evaluation = evaluate_movie(
            frames["noisy"],
            frames["denoised"],
            frames.get("clean"),
            pixel_size=pixel_size,
            first_frame=start,
            denoiser=denoiser,
            progress=progress,
            **settings,
        )
    finally:
        for source in sources.values():
            source.close()
    inputs = {
        "noisy": str(config.noisy),
        "denoised": str(config.denoised),
        "clean": None if config.clean is None else str(config.clean),
        "shape": list(noisy_src.shape),
        "frames": [start, stop],
        "noisy_frames": [start + offset, stop + offset],
        "noise": None if config.noise is None else str(config.noise),
    }
    if stop < requested:
        evaluation.metrics["notes"].append(
            f"only frames {start}..{stop - 1} evaluated (max_frames {config.max_frames})"
        )
    return write_report(
        evaluation, config.output, inputs=inputs, config=config.model_dump(mode="json")
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


def _profile_summary(
    profiles: dict[str, LineProfile],
    ends: tuple[float, float, float, float],
    width: int,
    pixel_size: float | None,
) -> dict[str, Any]:
    clean = profiles.get("clean")
    snr = {  # a clean profile has no noise: its curvature would be taken for noise
        name: profile_snr(p.values)
        for name, p in profiles.items()
        if p.values.size >= 5 and name != "clean"
    }
    snr_clean = {}
    if clean is not None:
        snr_clean = {
            name: profile_snr(p.values, reference=clean.values)
            for name, p in profiles.items()
            if name != "clean"
        }
    length = float(profiles["noisy"].distance[-1])
    return {
        "line": list(ends),
        "width": width,
        "reduce": "sum",
        "length_px": length,
        "length_angstrom": None if pixel_size is None else length * pixel_size,
        "snr": snr,
        "snr_vs_clean": snr_clean,
        "values": {name: p.values.tolist() for name, p in profiles.items()},
    }


def _atom_summary(
    found: np.ndarray,
    llr: np.ndarray,
    background: float,
    radius: float,
    scores: atom_metrics.AtomScores | None,
) -> dict[str, Any]:
    negative = llr < 0
    return {
        "detected": len(found),
        "background": background,
        "atom_radius": radius,
        "llr_median": float(np.median(llr)) if llr.size else math.nan,
        "llr_min": float(llr.min()) if llr.size else math.nan,
        "unsupported": int(negative.sum()),
        "unsupported_fraction": float(negative.mean()) if llr.size else math.nan,
        "unsupported_positions": [
            [float(r), float(c), float(v)]
            for (r, c), v in zip(found[negative], llr[negative], strict=True)
        ],
        "scores": None if scores is None else scores.summary(),
    }


def _summary(series: dict[str, list[float]]) -> dict[str, float]:
    """Mean of each per-frame series; uPSNR from the mean uMSE; standard errors combined."""
    result = {}
    for name, values in series.items():
        if name == "frame" or name.startswith("upsnr"):
            continue
        finite = np.array([v for v in values if math.isfinite(v)])
        if name.endswith("_se"):  # frames' estimates are independent
            result[name] = float(np.sqrt(np.sum(finite**2)) / finite.size)
        else:
            result[name] = float(np.mean(finite)) if finite.size else math.nan
    for name in ("umse", "umse_noisy"):
        if name in result:
            result[name.replace("umse", "upsnr_count")] = metrics.upsnr(result[name])
    return result


def _comparison_caption(body: dict[str, Any]) -> str:
    per = body["per_frame"]
    i = per["frame"].index(body["frame_shown"])
    parts = []
    for key, label, unit in (
        ("psnr_count", "PSNR(count)", " dB"),
        ("ssim", "SSIM", ""),
        ("upsnr_count", "uPSNR(count)", " dB"),
    ):
        if key in per:
            parts.append(f"{label} {per[key][i]:.2f}{unit}")
    return ", ".join(parts) or "no ground truth, fewer than 4 frames"


def _jsonable(value: Any) -> Any:
    """Turn NaN and infinities into None and NumPy scalars into Python numbers."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
