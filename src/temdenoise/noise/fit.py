"""Fit noise models to real frames (pure functions over arrays).

- :func:`fit_categorical`: a movie of a static (drift-aligned) region; the intensity of
  each pixel in each frame is the mean of the *other* frames (so a frame's own noise
  does not enter its intensity), and the counts are histogrammed per intensity bin.
- :func:`fit_flat`: vacuum or flat regions of single frames: dose, Fano factor and the
  count histogram against Poisson.
- :func:`fit_photon_transfer`: gain, offset and read noise from the mean-variance relation.
- :func:`~temdenoise.noise.spectrum.fit_correlation`: the detector PSF from the noise
  power spectrum.
- :func:`fit_noise_model`: all of the above on one region (+ an optional vacuum region)
  and the resulting :class:`~temdenoise.noise.base.NoiseModel`.

Every fit reports a goodness-of-fit figure (KL divergence or chi-square per degree of
freedom). Bad input raises :class:`~temdenoise.errors.InputError` with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from temdenoise.errors import InputError
from temdenoise.noise.counting import Categorical, poisson_pmf

MIN_MOVIE_FRAMES = 8
"""Frames needed to estimate each pixel's intensity by temporal averaging."""
MIN_SIDE = 16
MAX_COUNT = 255
"""Largest count a counting detector's categorical table covers."""


def check_frames(frames: Any, *, min_frames: int = 1, what: str = "frames") -> np.ndarray:
    """Validate frames for fitting; return them as float64 (frames, rows, columns).

    Raises
    ------
    InputError
        A 1-D or >3-D array, too few frames, too small, NaN/Inf, all zeros or constant,
        negative counts for integer data, or saturated pixels (one line each).

    """
    array = np.asarray(frames)
    if array.dtype.kind not in "uif":
        raise InputError(f"{what}: pixels must be real numbers, got dtype {array.dtype}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise InputError(
            f"{what}: expected (frames, rows, columns) or (rows, columns), "
            f"got a {array.ndim}-D array of shape {array.shape}"
        )
    n, rows, cols = array.shape
    if n < min_frames:
        raise InputError(f"{what}: too few frames: {n} (this fit needs at least {min_frames})")
    if rows < MIN_SIDE or cols < MIN_SIDE:
        raise InputError(f"{what}: region of {rows} x {cols} px is too small (>= {MIN_SIDE})")
    bad = int(np.count_nonzero(~np.isfinite(array))) if array.dtype.kind == "f" else 0
    if bad:
        raise InputError(f"{what}: {bad} pixels are NaN or infinite")
    x = array.astype(np.float64)
    if not np.any(x):
        raise InputError(f"{what}: all pixels are zero (no signal)")
    low, high = float(x.min()), float(x.max())
    if low == high:
        raise InputError(f"{what}: all pixels have the same value {low:g} (no noise to fit)")
    _check_saturation(x, array.dtype, what)
    return x


def _check_saturation(x: np.ndarray, dtype: np.dtype[Any], what: str) -> None:
    high = float(x.max())
    at_max = float(np.mean(x == high))
    if dtype.kind in "ui" and high == float(np.iinfo(dtype).max) and high > 1:
        clipped = True
    else:  # a plateau at the top of continuous-looking data
        sample = x.reshape(-1)[:: max(1, x.size // 100_000)]
        clipped = np.unique(sample).size > 64
    if clipped and at_max > 0.001:
        raise InputError(
            f"{what}: saturated: {at_max:.1%} of the pixels sit at the maximum {high:g}; "
            "choose a region or exposure without saturation"
        )


def is_integer_valued(x: np.ndarray) -> bool:
    """Whether every value is a whole number >= 0 (counted electrons)."""
    return bool(np.all(x >= 0) and np.all(x == np.round(x)))


def leave_one_out_mean(frames: np.ndarray, *, smooth: int = 0) -> np.ndarray:
    """Per-pixel intensity of each frame from the mean of all other frames.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
    smooth : int
        Also average over a (2 smooth + 1)^2 box of pixels (mirrored edges): less noise
        in the intensity estimate for scenes that vary slowly on that scale.

    Returns
    -------
    ndarray of shape (frames, rows, columns)
        ``(sum - frame) / (n - 1)``, box-averaged; independent of the frame's own counts.

    """
    total = frames.sum(axis=0, keepdims=True)
    loo = (total - frames) / (frames.shape[0] - 1)
    if smooth > 0:
        from scipy.ndimage import uniform_filter

        loo = uniform_filter(loo, size=(1, 2 * smooth + 1, 2 * smooth + 1), mode="mirror")
    return np.asarray(loo)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) in nats along the last axis; terms with p = 0 contribute 0."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(np.maximum(q, 1e-300))), 0.0)
    return np.asarray(terms.sum(axis=-1))


def chi2_per_dof(observed: np.ndarray, expected: np.ndarray, *, parameters: int = 0) -> float:
    """Pearson chi-square over cells with >= 5 expected counts, per degree of freedom."""
    keep = expected >= 5
    dof = max(1, int(keep.sum()) - 1 - parameters)
    return float(np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep]) / dof)


@dataclass(frozen=True)
class CategoricalFit:
    """The categorical model and how well it reproduces the histograms it was fitted on.

    Attributes
    ----------
    model : Categorical
    edges : ndarray of shape (n_bins + 1,)
        Intensity bin edges (counts per pixel per frame, leave-one-out temporal mean).
    observed, modelled, poisson : ndarray of shape (n_bins, n_values)
        Count probabilities per bin: measured, predicted by the model at each sample's
        intensity and averaged over the bin, and the same for Poisson.
    samples : ndarray of shape (n_bins,)
        (pixel, frame) samples per bin.
    kl, poisson_kl : ndarray of shape (n_bins,)
        KL(observed || modelled) and KL(observed || Poisson), nats.
    fano : ndarray of shape (n_bins,)
        Observed variance / mean per bin (1 for Poisson).
    frames : int
        Frames averaged; the intensity estimate has a relative variance of about
        1 / (lambda (frames - 1)), which broadens the histograms slightly.

    """

    model: Categorical
    edges: np.ndarray
    observed: np.ndarray
    modelled: np.ndarray
    poisson: np.ndarray
    samples: np.ndarray
    kl: np.ndarray
    poisson_kl: np.ndarray
    fano: np.ndarray
    frames: int

    @property
    def total_kl(self) -> float:
        """Sample-weighted mean KL(observed || modelled), nats."""
        return float(np.average(self.kl, weights=self.samples))

    @property
    def total_poisson_kl(self) -> float:
        """Sample-weighted mean KL(observed || Poisson), nats."""
        return float(np.average(self.poisson_kl, weights=self.samples))

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "kl": self.total_kl,
            "poisson_kl": self.total_poisson_kl,
            "chi2_per_dof": chi2_per_dof(
                self.observed * self.samples[:, None], self.modelled * self.samples[:, None]
            ),
            "bins": int(self.samples.size),
            "max_count": int(self.model.n_values - 1),
            "fano": [float(v) for v in self.fano],
            "lambdas": [float(v) for v in self.model.lambdas],
            "frames": self.frames,
        }


def fit_categorical(
    frames: np.ndarray,
    *,
    n_bins: int = 16,
    smooth: int = 1,
    min_frames: int = MIN_MOVIE_FRAMES,
) -> CategoricalFit:
    """Fit the empirical count model P(k | lambda) to a drift-aligned movie.

    Each (pixel, frame) sample gets the intensity of :func:`leave_one_out_mean`; samples
    are binned by intensity and each bin's count histogram becomes a row of the table,
    labelled with the bin's mean count (so the model's mean equals its lambda). The
    intensity estimate is noisy (relative variance about 1 / (lambda (frames - 1) (2
    smooth + 1)^2)), which broadens the rows slightly: use many frames.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
        Integer counts per pixel per frame of a static region (aligned: see
        :mod:`temdenoise.noise.align`).
    n_bins : int
        Intensity bins (equal numbers of samples; fewer when intensities repeat).
    smooth : int
        Box half-width (pixels) of the intensity estimate (:func:`leave_one_out_mean`).
    min_frames : int
        Fewest frames accepted.

    Returns
    -------
    CategoricalFit

    Raises
    ------
    InputError
        Bad frames (see :func:`check_frames`), non-integer or too large counts.

    """
    x = check_frames(frames, min_frames=max(2, min_frames), what="movie")
    if not is_integer_valued(x):
        raise InputError(
            "movie: the categorical model needs integer counts >= 0 (a counting "
            "detector); these look like an integrating camera"
        )
    top = int(x.max())
    if top > MAX_COUNT:
        raise InputError(f"movie: counts up to {top}: too many for a categorical table")
    lam = leave_one_out_mean(x, smooth=smooth).reshape(-1)
    counts = x.reshape(-1).astype(np.int64)
    edges = np.unique(np.quantile(lam, np.linspace(0, 1, n_bins + 1)))
    if edges.size < 2:
        edges = np.array([lam.min(), lam.max() + 1.0])
    edges[-1] = np.nextafter(edges[-1], np.inf)
    which = np.clip(np.searchsorted(edges, lam, side="right") - 1, 0, edges.size - 2)
    edges, which = _merge_bins(edges, which, counts)
    n_values = top + 1
    n = edges.size - 1
    hist = np.bincount(which * n_values + counts, minlength=n * n_values).reshape(n, n_values)
    samples = hist.sum(1)
    observed = hist / samples[:, None]
    values = np.arange(n_values)
    means = observed @ values
    model = Categorical(lambdas=means, probabilities=observed)
    modelled = _binned_average(model.pmf, lam, which, n)
    poisson = _binned_average(lambda v: poisson_pmf(v, n_values), lam, which, n)
    variance = observed @ values**2 - means**2
    return CategoricalFit(
        model=model,
        edges=edges,
        observed=observed,
        modelled=modelled,
        poisson=poisson,
        samples=samples,
        kl=kl_divergence(observed, modelled),
        poisson_kl=kl_divergence(observed, poisson),
        fano=variance / means,
        frames=int(x.shape[0]),
    )


def _merge_bins(
    edges: np.ndarray, which: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Merge bins until every bin has samples and mean counts > 0 that increase."""
    while True:
        n = edges.size - 1
        size = np.bincount(which, minlength=n)
        mean = np.bincount(which, weights=counts, minlength=n) / np.maximum(size, 1)
        empty = [i for i in range(n) if size[i] == 0 or mean[i] <= 0]
        flat = [i for i in range(1, n) if mean[i] <= mean[i - 1]]
        if not empty and not flat:
            return edges, which
        if n == 1:
            raise InputError("movie: no counts to fit")
        # an empty bin merges with its upper neighbour (the last one with the lower),
        # a bin whose mean does not increase with its lower neighbour
        i = min(empty[0], n - 2) if empty else flat[0] - 1
        edges = np.delete(edges, i + 1)  # bins i and i + 1 become bin i
        which = np.where(which > i, which - 1, which)


def _binned_average(
    pmf: Callable[[np.ndarray], np.ndarray],
    lam: np.ndarray,
    which: np.ndarray,
    n_bins: int,
    cells: int = 4096,
) -> np.ndarray:
    """Mean over the samples of each bin of ``pmf(lam)``, shape (n_bins, n_values).

    Samples are grouped in ``cells`` fine intensity cells per bin and ``pmf`` is
    evaluated once per cell at its mean intensity (exact where ``pmf`` is linear in lam
    within a cell, as the categorical model is).
    """
    low, high = float(lam.min()), float(lam.max())
    fine = np.minimum(((lam - low) / max(high - low, 1e-12) * cells).astype(np.int64), cells - 1)
    key = which * cells + fine
    size = np.bincount(key, minlength=n_bins * cells)
    used = np.flatnonzero(size)
    centre = np.bincount(key, weights=lam, minlength=n_bins * cells)[used] / size[used]
    weighted = pmf(centre) * size[used][:, None]
    total = np.stack(
        [
            np.bincount(used // cells, weights=weighted[:, k], minlength=n_bins)
            for k in range(weighted.shape[1])
        ],
        axis=1,
    )
    return np.asarray(total / np.bincount(which, minlength=n_bins)[:, None])


@dataclass(frozen=True)
class FlatFit:
    """Statistics of a vacuum or flat region of single frames.

    Attributes
    ----------
    mean, variance : float
        Per pixel per frame, in the frames' units.
    pixels : int
    values, observed, poisson : ndarray of shape (n_values,) or None
        For integer counts: count values 0 .. max, their measured frequencies and the
        Poisson probabilities at ``mean``.
    kl, chi2 : float or None
        KL(observed || Poisson) in nats and the Pearson chi-square per dof (integer data).

    """

    mean: float
    variance: float
    pixels: int
    values: np.ndarray | None
    observed: np.ndarray | None
    poisson: np.ndarray | None
    kl: float | None
    chi2: float | None

    @property
    def fano(self) -> float:
        """Variance / mean (1 for Poisson counts)."""
        return self.variance / self.mean if self.mean else float("nan")

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "mean": self.mean,
            "variance": self.variance,
            "fano": self.fano,
            "pixels": self.pixels,
            "poisson_kl": self.kl,
            "poisson_chi2_per_dof": self.chi2,
        }


def fit_flat(frames: np.ndarray) -> FlatFit:
    """Dose and count histogram of a vacuum or flat region.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns) or (rows, columns)
        Counts (or detector values) per pixel of a region of uniform illumination.

    Returns
    -------
    FlatFit
        ``mean`` is the Poisson dose estimate (counts per pixel per frame) for counts.

    """
    x = check_frames(frames, what="flat region")
    mean, variance = float(x.mean()), float(x.var(ddof=1))
    if not is_integer_valued(x) or x.max() > MAX_COUNT:
        return FlatFit(mean, variance, x.size, None, None, None, None, None)
    counts = np.bincount(x.reshape(-1).astype(np.int64))
    observed = counts / x.size
    values = np.arange(counts.size)
    poisson = poisson_pmf(np.array(mean), counts.size)
    return FlatFit(
        mean=mean,
        variance=variance,
        pixels=x.size,
        values=values,
        observed=observed,
        poisson=poisson,
        kl=float(kl_divergence(observed, poisson)),
        chi2=chi2_per_dof(counts.astype(np.float64), poisson * x.size, parameters=1),
    )


@dataclass(frozen=True)
class PhotonTransferFit:
    """Mean-variance (photon transfer) fit: variance = slope * mean + intercept.

    For an integrating camera behind a PSF that keeps a fraction ``noise_factor`` of the
    per-pixel variance, slope = gain * noise_factor and intercept = read_noise^2 -
    slope * offset.

    Attributes
    ----------
    mean, variance, error : ndarray of shape (n_bins,)
        Binned temporal mean and variance per pixel, and the standard error of variance.
    slope, intercept : float
    chi2_per_dof : float
    gain, offset, read_noise : float or None
        Detector units per count, detector units, detector units rms; None when the
        data cannot separate them (gain: when the region has no range of intensities).
    noise_samples : tuple of (float, ndarray)
        For a few intensity bins: the bin's mean and frame-difference noise values
        (x[t+1] - x[t]) / sqrt(2) of its pixels (at most 20,000), for histograms.

    """

    mean: np.ndarray
    variance: np.ndarray
    error: np.ndarray
    slope: float
    intercept: float
    chi2_per_dof: float
    gain: float | None
    offset: float | None
    read_noise: float | None
    noise_samples: tuple[tuple[float, np.ndarray], ...] = ()

    def summary(self) -> dict[str, Any]:
        """JSON-compatible numbers."""
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "chi2_per_dof": self.chi2_per_dof,
            "gain": self.gain,
            "offset": self.offset,
            "read_noise": self.read_noise,
        }


def fit_photon_transfer(
    frames: np.ndarray,
    *,
    noise_factor: float = 1.0,
    read_variance: float | None = None,
    offset: float | None = None,
    n_bins: int = 24,
) -> PhotonTransferFit:
    """Gain, offset and read noise from the mean-variance relation of a static movie.

    The variance of each pixel is estimated from consecutive-frame differences
    (mean of (x[t+1] - x[t])^2 / 2: slow changes of the scene cancel); pixels are binned
    by their temporal mean.

    Parameters
    ----------
    frames : ndarray of shape (frames, rows, columns)
        At least 2 drift-aligned frames, detector units.
    noise_factor : float
        Fraction of the per-pixel shot-noise variance left by the detector PSF
        (:attr:`~temdenoise.noise.detector.DetectorPSF.noise_factor`).
    read_variance : float, optional
        White read-noise variance (from the noise power spectrum): gives the offset.
    offset : float, optional
        Known detector offset: gives the read noise (wins over ``read_variance``).
    n_bins : int
        Mean-intensity bins (equal pixel numbers).

    Returns
    -------
    PhotonTransferFit

    """
    x = check_frames(frames, min_frames=2, what="movie")
    mean = x.mean(axis=0).reshape(-1)
    var = (np.diff(x, axis=0) ** 2).mean(axis=0).reshape(-1) / 2.0
    edges = np.unique(np.quantile(mean, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, mean, side="right") - 1, 0, max(edges.size - 2, 0))
    size = np.bincount(which)
    keep = size >= 16
    m = np.bincount(which, weights=mean)[keep] / size[keep]
    v = np.bincount(which, weights=var)[keep] / size[keep]
    v2 = np.bincount(which, weights=var**2)[keep] / size[keep]
    err = np.sqrt(np.maximum(v2 - v**2, 0.0) / size[keep])
    positive = err[err > 0]
    err = np.maximum(err, 0.1 * float(np.median(positive)) if positive.size else 1.0)
    noise = float(var.mean()) / x.shape[0]  # variance of a pixel's temporal mean from noise
    scene = float(mean.var()) - noise  # variance of the scene itself
    if m.size >= 2 and scene > noise:
        w = 1.0 / err**2
        design = np.stack([m, np.ones_like(m)], axis=1) * np.sqrt(w)[:, None]
        (slope, intercept), *_ = np.linalg.lstsq(design, v * np.sqrt(w), rcond=None)
        fitted = slope * m + intercept
        chi2 = float(np.sum(((v - fitted) / err) ** 2) / max(1, m.size - 2))
    else:  # a flat region: no intensity range, no slope
        slope, intercept, chi2 = float("nan"), float("nan"), float("nan")
    slope, intercept = float(slope), float(intercept)
    samples = _noise_samples(x, which, np.flatnonzero(keep), m)
    if not slope > 0:
        return PhotonTransferFit(m, v, err, slope, intercept, chi2, None, None, None, samples)
    gain = slope / noise_factor
    read_noise: float | None = None
    if offset is not None:
        read_noise = float(np.sqrt(max(intercept + slope * offset, 0.0)))
    elif read_variance is not None:
        offset = (read_variance - intercept) / slope
        read_noise = float(np.sqrt(max(read_variance, 0.0)))
    return PhotonTransferFit(m, v, err, slope, intercept, chi2, gain, offset, read_noise, samples)


def _noise_samples(
    x: np.ndarray, which: np.ndarray, kept: np.ndarray, means: np.ndarray, *, shown: int = 4
) -> tuple[tuple[float, np.ndarray], ...]:
    """Frame-difference noise of the pixels of a few intensity bins (for histograms)."""
    diff = (np.diff(x, axis=0) / np.sqrt(2.0)).reshape(x.shape[0] - 1, -1)
    picks = sorted({round(i) for i in np.linspace(0, kept.size - 1, min(shown, kept.size))})
    out = []
    for i in picks:
        values = diff[:, which == kept[i]].reshape(-1)
        out.append((float(means[i]), values[:: max(1, values.size // 20_000)]))
    return tuple(out)
