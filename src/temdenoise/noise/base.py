"""A detector noise model: a chain of stages, sampled with NumPy or PyTorch, stored as JSON.

A model maps the *expected* counts per pixel per frame (the clean image, float) to what
the detector records. Its first stage turns expected counts into counted electrons
(:class:`~temdenoise.noise.counting.Poisson` or the empirical
:class:`~temdenoise.noise.counting.Categorical`); later stages act on the counted signal
where the physics puts them: the detector point-spread (:class:`~temdenoise.noise.detector.
DetectorPSF`, which correlates the noise of neighbouring pixels) and the gain, offset and
read noise of an integrating camera (:class:`~temdenoise.noise.detector.GainReadNoise`).

Every stage has ``sample`` (NumPy, ``rng: numpy.random.Generator``) and ``sample_torch``
(PyTorch, ``generator: torch.Generator`` on the tensor's device): the two draw from the
same distribution, not the same numbers. PyTorch is imported only when a torch method runs.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from temdenoise.errors import InputError

if TYPE_CHECKING:
    import torch

FORMAT = "temdenoise-noise"
SCHEMA_VERSION = 1
Detector = Literal["counting", "integrating"]


class NoiseStage(ABC):
    """One stage of a noise model.

    Subclasses set ``kind`` (the JSON tag), ``counting`` (True for the stage that turns
    expected counts into counted electrons) and implement the four methods below.
    """

    kind: ClassVar[str]
    counting: ClassVar[bool] = False

    @abstractmethod
    def sample(self, values: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """Apply the stage to ``values`` of shape (..., rows, columns) with NumPy."""

    @abstractmethod
    def sample_torch(self, values: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        """Apply the stage to a tensor of shape (..., rows, columns) on its device."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """Return the stage's parameters as JSON-compatible values."""

    @classmethod
    @abstractmethod
    def from_params(cls, params: Mapping[str, Any]) -> NoiseStage:
        """Rebuild the stage from :meth:`params` (raises ValueError/TypeError/KeyError)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": ..., **params}``."""
        return {"kind": self.kind, **self.params()}

    def label(self) -> str:
        """Short text: the kind and the main parameters."""
        return _short(self)


_REGISTRY: dict[str, type[NoiseStage]] = {}


def register(cls: type[NoiseStage]) -> type[NoiseStage]:
    """Class decorator: make a stage kind loadable from JSON."""
    _REGISTRY[cls.kind] = cls
    return cls


def stage_from_dict(data: Mapping[str, Any]) -> NoiseStage:
    """Rebuild one stage from its ``to_dict`` form.

    Raises
    ------
    InputError
        Unknown kind or invalid parameters (one line).

    """
    if not isinstance(data, Mapping) or "kind" not in data:
        raise InputError("noise model: a stage must be a JSON object with a 'kind'")
    kind = data["kind"]
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise InputError(f"noise model: unknown stage kind {kind!r} (known: {sorted(_REGISTRY)})")
    params = {k: v for k, v in data.items() if k != "kind"}
    try:
        return cls.from_params(params)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"noise model: invalid {kind} stage: {exc}") from None


@dataclass(frozen=True, eq=False)
class NoiseModel:
    """A detector noise model: a counting stage followed by detector stages.

    Parameters
    ----------
    stages : sequence of NoiseStage
        Applied in order. At most one counting stage, and it comes first.
    detector : {"counting", "integrating"}
        The kind of camera the model describes.
    dose : float, optional
        Counts per pixel per frame in vacuum, when it was measured: simulated images
        with vacuum = 1 are multiplied by it before :meth:`sample`.
    info : dict
        Goodness-of-fit summaries and provenance, stored verbatim (JSON-compatible).

    """

    stages: tuple[NoiseStage, ...]
    detector: Detector = "counting"
    dose: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))
        if not self.stages:
            raise ValueError("a noise model needs at least one stage")
        counting = [i for i, s in enumerate(self.stages) if s.counting]
        if len(counting) > 1 or (counting and counting[0] != 0):
            raise ValueError("a noise model has at most one counting stage, and it comes first")
        if self.detector not in ("counting", "integrating"):
            raise ValueError(f"detector must be 'counting' or 'integrating', got {self.detector!r}")
        if self.dose is not None and not (math.isfinite(self.dose) and self.dose > 0):
            raise ValueError(f"dose must be positive and finite, got {self.dose}")

    # -- sampling --------------------------------------------------------------------------

    def sample(
        self, expected: np.ndarray, *, rng: np.random.Generator, raw: bool = False
    ) -> np.ndarray:
        """Draw a noisy image for the expected counts ``expected``.

        Parameters
        ----------
        expected : ndarray of shape (..., rows, columns)
            Expected counts per pixel per frame, finite and >= 0.
        rng : numpy.random.Generator
            The source of randomness (required).
        raw : bool
            False (default): return counts (the gain and offset of an integrating camera
            undone, read noise kept), the unit the networks work in. True: return detector
            values (ADU for an integrating camera).

        Returns
        -------
        ndarray of float32, shape of ``expected``

        """
        values = np.asarray(expected)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError("expected counts must be finite and >= 0")
        for stage in self.stages:
            values = stage.sample(values, rng=rng)
        out = np.asarray(values, dtype=np.float32)
        return out if raw else self.to_counts(out)

    def sample_torch(
        self, expected: torch.Tensor, *, generator: torch.Generator, raw: bool = False
    ) -> torch.Tensor:
        """Like :meth:`sample` for a float tensor on any device.

        ``generator`` must live on the tensor's device
        (``torch.Generator(device=expected.device).manual_seed(seed)``). Values are not
        checked (no device synchronisation): pass finite, non-negative expected counts.
        Returns a float32 tensor of the same shape on the same device.
        """
        import torch

        values = expected.to(torch.float32)
        for stage in self.stages:
            values = stage.sample_torch(values, generator=generator)
        out = values.to(torch.float32)
        if raw:
            return out
        gain, offset = self.affine
        return out if (gain, offset) == (1.0, 0.0) else (out - offset) / gain

    @property
    def affine(self) -> tuple[float, float]:
        """(gain, offset): detector value = gain * counts + offset (+ read noise)."""
        gain, offset = 1.0, 0.0
        for stage in self.stages:
            g = getattr(stage, "gain", None)
            o = getattr(stage, "offset", None)
            if g is not None and o is not None:
                gain, offset = gain * float(g), offset * float(g) + float(o)
        return gain, offset

    def to_counts(self, raw: np.ndarray) -> np.ndarray:
        """Convert detector values to counts: ``(raw - offset) / gain`` (float32)."""
        gain, offset = self.affine
        out = np.asarray(raw, dtype=np.float32)
        if (gain, offset) == (1.0, 0.0):
            return out
        return ((out - np.float32(offset)) / np.float32(gain)).astype(np.float32)

    def corrupt(
        self,
        clean: np.ndarray,
        *,
        rng: np.random.Generator,
        dose: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scale a clean image with vacuum = 1 to counts and draw a noisy copy.

        Returns ``(noisy, target)``: both float32 in counts per pixel per frame, where
        ``target = clean * dose`` is the expected image the network should recover.
        ``dose`` defaults to the model's measured :attr:`dose`.
        """
        scale = self.dose if dose is None else dose
        if scale is None:
            raise ValueError("this noise model has no measured dose: pass dose=")
        target = (np.asarray(clean, dtype=np.float32) * np.float32(scale)).astype(np.float32)
        return self.sample(target, rng=rng), target

    def variance_line(
        self, levels: Sequence[float], *, rng: np.random.Generator, pixels: int = 1 << 16
    ) -> tuple[float, float]:
        """Per-pixel variance of :meth:`sample` (in counts) as ``slope * mean + offset``.

        Measured by drawing a flat field of ``pixels`` pixels at each expected level and
        fitting a line by least squares: it holds for any chain of stages (a detector
        point-spread lowers the per-pixel variance, read noise adds an offset).
        """
        side = max(2, math.isqrt(pixels))
        means = np.asarray(levels, dtype=np.float64)
        variances = [
            float(self.sample(np.full((side, side), m, np.float32), rng=rng).var()) for m in means
        ]
        if len(means) < 2:
            return variances[0] / max(float(means[0]), 1e-12), 0.0
        slope, offset = np.polyfit(means, variances, 1)
        return float(slope), max(float(offset), 0.0)

    # -- JSON ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Self-describing JSON form (what ``noise.json`` holds and model files embed)."""
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "detector": self.detector,
            "dose": self.dose,
            "stages": [stage.to_dict() for stage in self.stages],
            "info": json_safe(self.info),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NoiseModel:
        """Rebuild a model from :meth:`to_dict` output.

        Raises
        ------
        InputError
            One line naming the problem: not a noise model, a newer schema, a bad stage.

        """
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise InputError(f"not a temdenoise noise model (expected format {FORMAT!r})")
        version = data.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
            raise InputError(
                f"noise model schema_version {version!r} is not supported "
                f"(this temdenoise reads 1..{SCHEMA_VERSION})"
            )
        raw_stages = data.get("stages")
        if not isinstance(raw_stages, Sequence) or isinstance(raw_stages, str | bytes):
            raise InputError("noise model: 'stages' must be a list")
        stages = tuple(stage_from_dict(s) for s in raw_stages)
        info = data.get("info", {})
        try:
            return cls(
                stages=stages,
                detector=data.get("detector", "counting"),
                dose=None if data.get("dose") is None else float(data["dose"]),
                info=dict(info) if isinstance(info, Mapping) else {},
            )
        except (ValueError, TypeError) as exc:
            raise InputError(f"noise model: {exc}") from None

    def describe(self) -> str:
        """One line: the stages and their main parameters."""
        parts = [stage.label() for stage in self.stages]
        dose = "" if self.dose is None else f", dose {self.dose:.4g} counts/px/frame"
        return f"{self.detector} detector: " + " -> ".join(parts) + dose


def _short(stage: NoiseStage) -> str:
    parts = []
    for key, value in stage.params().items():
        if isinstance(value, float):
            parts.append(f"{key}={value:.4g}")
        elif isinstance(value, int):
            parts.append(f"{key}={value}")
    return f"{stage.kind}({', '.join(parts)})"


def json_safe(value: Any) -> Any:
    """Copy of ``value`` with NaN and infinities as None and NumPy scalars as Python ones."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
