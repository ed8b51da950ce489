"""Frozen configuration models, one per stage, each with a schema version.

Pure functions take keyword arguments; only orchestrators take one of these. A config
is written into every artifact a stage makes, so the artifact says how it was made.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from temdenoise.errors import ConfigError


class StageConfig(BaseModel):
    """Base of every stage's configuration: frozen, unknown keys refused, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **overrides: Any) -> Self:
        """Load a JSON config file; keyword ``overrides`` (not None) win over the file.

        Raises
        ------
        ConfigError
            With one line naming the file and the first problem.

        """
        target = Path(path)
        try:
            data = json.loads(target.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{target}: config file not found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{target}: not a readable JSON config ({exc})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{target}: a config must be a JSON object")
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls.build(source=str(target), **data)

    @classmethod
    def from_arguments(cls, config_file: str | os.PathLike[str] | None, **values: Any) -> Self:
        """Config from an optional JSON file with the given ``values`` (not None) on top.

        This is how every subcommand turns its options into its stage's config.
        """
        if config_file is not None:
            return cls.from_file(config_file, **values)
        given = {k: v for k, v in values.items() if v is not None}
        return cls.build(source="command line", **given)

    @classmethod
    def build(cls, *, source: str = "arguments", **values: Any) -> Self:
        """Validate ``values``; a failure becomes one ConfigError line naming ``source``."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "config"
            raise ConfigError(f"{source}: invalid {where}: {first['msg']}") from None


class DenoiseConfig(StageConfig):
    """``temdenoise denoise``: one movie file to one output file."""

    input: Path
    output: Path
    model: str = "bf-unet"
    dataset: str | None = None
    pixel_size: float | None = Field(default=None, gt=0, description="angstrom per pixel")
    resample: bool = Field(default=True, description="bin to the model's grid when finer")
    counts_per_electron: float | None = Field(
        default=None, gt=0, description="camera gain; default the file's, else 1"
    )
    check_counts: bool = Field(default=True, description="refuse frames that are not counts")
    frames: tuple[int, int | None] = (0, None)
    device: str | None = None
    batch_size: int = Field(default=4, ge=1)
    tile: int | None = Field(default=None, ge=1)
    precision: Literal["fp32", "bf16"] = "fp32"
    block_frames: int = Field(default=8, ge=1)
    overwrite: bool = False
    cluster: str | None = Field(default=None, pattern=r"^local(:\d+)?$")
    scheduler: str | None = None


Region = tuple[int, int, int, int]
"""(row_start, row_stop, column_start, column_stop) of a rectangle, in pixels."""


class FitNoiseConfig(StageConfig):
    """``temdenoise fit-noise``: fit a detector noise model to frames of a real movie.

    ``roi`` is the region the model is fitted on (default: the central ``max_region`` x
    ``max_region`` pixels); ``vacuum_roi`` an optional vacuum or flat region giving the
    dose. Regions are (row_start, row_stop, column_start, column_stop). At most
    ``max_frames`` frames are read from the start of ``frames``.
    """

    input: Path
    output: Path
    dataset: str | None = None
    roi: Region | None = None
    vacuum_roi: Region | None = None
    frames: tuple[int, int | None] = (0, None)
    max_frames: int = Field(default=64, ge=1, le=4096, description="most frames read")
    detector: Literal["auto", "counting", "integrating"] = "auto"
    counting_model: Literal["categorical", "poisson"] = "categorical"
    n_bins: int = Field(default=16, ge=1, le=256, description="intensity bins (categorical)")
    align: bool = True
    max_shift: int = Field(default=32, ge=0, description="largest drift searched, pixels")
    offset: float | None = Field(default=None, description="known detector offset (ADU)")
    tile: int = Field(default=64, ge=16, le=1024, description="noise power spectrum size, px")
    max_region: int = Field(default=512, ge=16, description="side of the default region, px")
    figure: bool = True

    @field_validator("roi", "vacuum_roi")
    @classmethod
    def _check_region(cls, value: Region | None) -> Region | None:
        if value is not None:
            r0, r1, c0, c1 = value
            if not (0 <= r0 < r1 and 0 <= c0 < c1):
                raise ValueError(f"a region needs 0 <= start < stop on both axes, got {value}")
        return value


class SimulateConfig(StageConfig):
    """``temdenoise simulate``: clean HRTEM images, or a movie, of a supported particle.

    Lengths in angstrom, angles in degrees (``angular_spread_range`` in mrad), energy
    in eV. ``defocus`` is -C10 (negative is overfocus); ``focal_spread`` is the 1/e
    half-width of the defocus spread. Each ``*_range`` is sampled uniformly per image.
    The default reproduces the seed's set-up: Pt on CeO2, 460 training and 20 test
    images, varied over particle shape and size, surface defects, support thickness,
    tilt, defocus (0-20 nm) and focal spread. ``movie_frames`` switches to one in situ
    movie of that many frames (``n_train`` and ``n_test`` are then unused).
    """

    n_train: int = Field(default=460, ge=0)
    n_test: int = Field(default=20, ge=0)
    movie_frames: int | None = Field(default=None, ge=1)
    size: int = Field(default=512, ge=16, le=8192, description="rows = columns, pixels")
    dose: float = Field(default=0.45, gt=0, description="vacuum counts per pixel")
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=1, ge=1, le=256, description="processes")
    element: str = "Pt"
    support: str = "CeO2"
    scene_weights: dict[str, float] = {"particle": 0.9, "support": 0.07, "vacuum": 0.03}
    shapes: tuple[str, ...] = ("cuboctahedron", "truncated_octahedron", "octahedron", "wulff")
    defects: tuple[str, ...] = ("none", "vacancies", "adatoms", "step", "island")
    diameter_range: tuple[float, float] = (15.0, 60.0)
    truncation_range: tuple[float, float] = (0.1, 0.35)
    defect_count_range: tuple[int, int] = (1, 12)
    support_thickness_range: tuple[float, float] = (30.0, 60.0)
    interface_row_range: tuple[float, float] = (0.55, 0.8)
    tilt_max: float = Field(default=4.0, ge=0, le=20)
    rotation_max: float = Field(default=10.0, ge=0, le=180)
    cs: float = Field(default=-1.0e5, description="C30 in angstrom (-10 um)")
    defocus_range: tuple[float, float] = (-200.0, 0.0)
    angular_spread_range: tuple[float, float] = (0.1, 0.3)
    vibration_range: tuple[float, float] = (0.0, 0.3)
    focal_spread_samples: int = Field(default=7, ge=0, le=64)
    mtf: tuple[float, float] | None = None
    slice_thickness: float = Field(default=2.0, gt=0, le=10)
    margin: float = Field(default=16.0, ge=0, description="simulated and cropped, angstrom")
    frozen_phonons: int = Field(default=0, ge=0, le=64)
    movie_events: float = Field(default=2.0, ge=0, description="surface events per frame")
    movie_drift: float = Field(default=0.2, ge=0, description="angstrom per frame")
    movie_rotation: float = Field(default=0.05, ge=0, description="degrees per frame")
    movie_defocus_drift: float = Field(default=1.0, ge=0, description="angstrom per frame")
    # checked together with focal_spread_range, which is validated last:
    pixel_size: float = Field(default=0.25, gt=0, description="angstrom per pixel")
    energy: float = Field(default=300e3, ge=20e3, le=1.5e6, description="eV")
    sampling: float = Field(default=0.1, gt=0, le=0.1, description="multislice grid, angstrom")
    objective_aperture: float | None = Field(default=None, gt=0, description="mrad")
    focal_spread_range: tuple[float, float] = Field(default=(20.0, 45.0), validate_default=True)

    @field_validator("element")
    @classmethod
    def _check_element(cls, value: str) -> str:
        from temdenoise.simulate.materials import FCC_LATTICE_CONSTANTS

        if value not in FCC_LATTICE_CONSTANTS:
            known = ", ".join(sorted(FCC_LATTICE_CONSTANTS))
            raise ValueError(f"unknown element {value!r}: the particle is one of {known}")
        return value

    @field_validator("support")
    @classmethod
    def _check_support(cls, value: str) -> str:
        from temdenoise.simulate.materials import FLUORITE_LATTICE_CONSTANTS

        if value not in FLUORITE_LATTICE_CONSTANTS:
            known = ", ".join(sorted(FLUORITE_LATTICE_CONSTANTS))
            raise ValueError(f"unknown support {value!r}: the support is one of {known}")
        return value

    @field_validator("scene_weights")
    @classmethod
    def _check_scenes(cls, value: dict[str, float]) -> dict[str, float]:
        from temdenoise.simulate.scene import SCENES

        unknown = sorted(set(value) - set(SCENES))
        if unknown or any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError(f"needs non-negative weights of {', '.join(SCENES)}, not all 0")
        return value

    @field_validator("shapes", "defects")
    @classmethod
    def _check_choices(cls, value: tuple[str, ...], info: Any) -> tuple[str, ...]:
        from temdenoise.simulate import scene

        known = scene.SHAPES if info.field_name == "shapes" else scene.DEFECTS
        unknown = sorted(set(value) - set(known))
        if not value or unknown:
            raise ValueError(f"choose from {', '.join(known)} (got {', '.join(unknown) or 'none'})")
        return value

    @field_validator(
        "diameter_range",
        "truncation_range",
        "defect_count_range",
        "support_thickness_range",
        "interface_row_range",
        "angular_spread_range",
        "vibration_range",
        "focal_spread_range",
    )
    @classmethod
    def _check_range(cls, value: tuple[float, float], info: Any) -> tuple[float, float]:
        low, high = value
        if low > high:
            raise ValueError(f"the low end {low} is above the high end {high}")
        positive = info.field_name in ("diameter_range", "support_thickness_range")
        if low < 0 or (positive and low <= 0):
            raise ValueError(f"must be {'positive' if positive else 'non-negative'}, got {low}")
        fractions = ("truncation_range", "interface_row_range")
        if info.field_name in fractions and high >= 1:
            raise ValueError(f"is a fraction below 1, got {high}")
        if info.field_name == "focal_spread_range":
            cls._check_pixel_size(low, info.data)
        return value

    @staticmethod
    def _check_pixel_size(focal_spread: float, values: dict[str, Any]) -> None:
        """Refuse a pixel size that cannot sample the finest transferred spacing."""
        from temdenoise.simulate.transfer import transferred_spacing

        if not {"pixel_size", "energy", "sampling"} <= set(values):
            return  # one of them failed already and is reported
        finest = transferred_spacing(
            energy=values["energy"],
            focal_spread=focal_spread,
            sampling=values["sampling"],
            objective_aperture=values.get("objective_aperture"),
        )
        if values["pixel_size"] > finest / 2:
            raise ValueError(
                f"pixel_size {values['pixel_size']} A is coarser than half the information "
                f"limit ({finest:.3f} A at focal spread {focal_spread} A): images would "
                f"alias; use a pixel size <= {finest / 2:.3f} A or a larger focal spread"
            )


class EvaluateConfig(StageConfig):
    """``temdenoise evaluate``: metrics and figures for (noisy, denoised[, clean]) movies.

    Frames ``frames`` (at most ``max_frames`` from its start) are evaluated; figures show
    frame ``frame`` (default: the middle one). ``line`` is the profile's (row0, column0,
    row1, column1) in px (default: a horizontal line through the frame's centre over its
    middle half), integrated over ``width`` px. Atom columns are found in the denoised
    (and clean) frame as local extrema of ``polarity`` after smoothing by ``atom_sigma`` px,
    at least ``min_distance`` px apart and beyond ``threshold`` counts/px (default: Otsu's
    threshold); a detection matches a true column within
    ``tolerance`` px; likelihood ratios sum the pixels within ``atom_radius`` px against
    the ``background`` level (counts/px; default: the median far from every column). Sizes
    left unset keep their size in angstrom whatever the sampling (see
    :mod:`temdenoise.evaluate.sizes`: 10, 1.5, 4, 3 and 3 px at 0.25 A/px). The residual's
    noise variance is ``variance_slope * intensity + variance_offset`` (Poisson: 1, 0), or
    that of the ``noise`` model (from ``fit-noise``) when one is given. A denoised output of
    a frame range is compared with the frames of the noisy movie its provenance names;
    ``frames`` counts in the denoised movie. ``umse`` "adjacent" estimates uMSE from
    neighbouring frames (a static scene and a single-frame denoiser; needs 4 frames).
    """

    noisy: Path
    denoised: Path
    output: Path
    clean: Path | None = None
    dataset: str | None = Field(default=None, description="array inside the noisy file")
    denoised_dataset: str | None = None
    clean_dataset: str | None = None
    pixel_size: float | None = Field(default=None, gt=0, description="angstrom per pixel")
    frames: tuple[int, int | None] = (0, None)
    max_frames: int = Field(default=64, ge=1, le=100_000, description="most frames evaluated")
    frame: int | None = Field(default=None, ge=0, description="frame shown in the figures")
    line: tuple[float, float, float, float] | None = None
    width: int | None = Field(default=None, ge=1, le=10_000, description="profile width, px")
    polarity: Literal["bright", "dark"] = "bright"
    atom_sigma: float | None = Field(default=None, ge=0, description="smoothing, px")
    min_distance: int | None = Field(default=None, ge=1, description="closest two columns, px")
    threshold: float | None = Field(default=None, description="column level, counts/px")
    atom_radius: float | None = Field(default=None, gt=0, description="likelihood disc, px")
    tolerance: float | None = Field(default=None, gt=0, description="match distance, px")
    background: float | None = Field(default=None, gt=0, description="counts per pixel")
    variance_slope: float = Field(default=1.0, gt=0)
    variance_offset: float = Field(default=0.0, ge=0)
    noise: Path | None = Field(default=None, description="fit-noise model for the residual")
    umse: Literal["adjacent", "none"] = "adjacent"


class TrainConfig(StageConfig):
    """``temdenoise train``: a denoiser from clean simulated datasets and a noise model.

    Patches of ``patch_size`` px are cut from the ``train`` split of every dataset at a
    pixel size drawn log-uniformly from ``pixel_size_range`` (default: each dataset's own
    pixel size x 0.8-1.25), turned by up to ``rotation_max`` degrees, then flipped and
    turned by multiples of 90 degrees. Noise is drawn fresh every step: from the noise
    model file ``noise`` at its measured dose, or Poisson over ``dose_range`` (counts per
    pixel per frame, log-uniform; default 0.1-10: blind training). Adam at ``lr``; the
    rate is multiplied by ``lr_factor`` when the validation PSNR has not improved for
    ``lr_patience`` validations. Validation every ``val_every`` steps on the central
    ``val_size`` px of up to ``val_images`` held-out (``test`` split) images at
    ``val_doses``. A network taking several frames (``arch_params["in_frames"]``) learns
    from windows of patches drifting by up to ``drift`` px per frame. ``init`` starts from
    the weights of another model of the same architecture; a one-frame model seeds a
    multi-frame one by spreading its first layer over the frames (at the start, the
    network denoises the mean of the window). A checkpoint every ``checkpoint_every``
    steps allows ``resume``; ``time_limit`` (minutes) stops early, and the model file
    holds the weights of the best validation.
    """

    data: tuple[Path, ...] = Field(min_length=1)
    output: Path
    noise: Path | None = None
    dose_range: tuple[float, float] | None = None
    arch: Literal["dncnn", "unet"] = "unet"
    arch_params: dict[str, Any] = {}
    steps: int = Field(default=20_000, ge=1)
    batch_size: int = Field(default=16, ge=1)
    patch_size: int = Field(default=128, ge=8)
    lr: float = Field(default=1e-3, gt=0)
    lr_factor: float = Field(default=0.5, gt=0, lt=1)
    lr_patience: int = Field(default=4, ge=0, description="validations without improvement")
    min_lr: float = Field(default=1e-5, ge=0)
    val_every: int = Field(default=250, ge=1)
    val_images: int = Field(default=8, ge=1)
    val_size: int = Field(default=192, ge=8)
    val_doses: tuple[float, ...] | None = None
    checkpoint_every: int = Field(default=250, ge=1)
    pixel_size: float | None = Field(default=None, gt=0, description="nominal, angstrom/px")
    pixel_size_range: tuple[float, float] | None = None
    rotation_max: float = Field(default=10.0, ge=0, le=45, description="degrees")
    drift: float = Field(default=1.0, ge=0, description="multi-frame: px per frame, at most")
    init: str | None = Field(default=None, description="shipped model name or model file")
    seed: int = Field(default=0, ge=0)
    device: str | None = None
    threads: int | None = Field(default=None, ge=1, description="CPU threads")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", description="auto: bf16 autocast where the device computes it natively"
    )
    name: str = ""
    description: str = ""
    weights_dtype: Literal["float32", "float16", "bfloat16"] = "float32"
    time_limit: float | None = Field(default=None, gt=0, description="minutes")
    resume: bool = False
    overwrite: bool = False

    @field_validator("dose_range", "pixel_size_range")
    @classmethod
    def _check_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0 < value[0] <= value[1]:
            raise ValueError(f"a range needs 0 < low <= high, got {list(value)}")
        return value

    @field_validator("val_doses")
    @classmethod
    def _check_doses(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and (not value or min(value) <= 0):
            raise ValueError("val_doses must be positive counts per pixel")
        return value

    def run_fields(self) -> dict[str, Any]:
        """Return the fields a resumed run must share with the interrupted one."""
        volatile = {"steps", "time_limit", "resume", "overwrite", "device", "threads", "precision"}
        return self.model_dump(mode="json", exclude=volatile)


class AdaptConfig(StageConfig):
    """``temdenoise adapt``: fit a denoiser to a movie without clean data.

    Starts from ``model`` (a shipped name or a model file; default ``bf-unet``), or with
    ``scratch`` from a fresh BF-UNet taking ``frames`` frames, and trains it for ``steps``
    steps with the blind-spot loss of :mod:`temdenoise.train.blindspot` on ``batch_size``
    patches of ``patch_size`` px cut from up to ``windows`` frame windows of the movie (each cropped
    to at most ``crop`` px square, flipped but never turned, so that the vertical stays
    vertical). ``hide_vertical`` hides each scored pixel's vertical neighbours too, for
    detectors that correlate them. ``gains_only`` trains only the per-channel gains of
    the bias-free normalisations (few parameters: safe with little data); otherwise all
    weights are trained. ``pixel_size`` overrides the movie's.
    """

    input: Path
    output: Path
    model: str | None = None
    scratch: bool = False
    frames: int = Field(default=5, ge=1, le=15, description="scratch: frames in")
    dataset: str | None = None
    pixel_size: float | None = Field(default=None, gt=0, description="angstrom per pixel")
    steps: int = Field(default=300, ge=1)
    batch_size: int = Field(default=8, ge=1)
    patch_size: int = Field(default=128, ge=16)
    lr: float | None = Field(default=None, gt=0, description="default 1e-3 gains, 1e-4 all")
    gains_only: bool = False
    spacing: int = Field(default=4, ge=3, le=16)
    hide_vertical: bool = True
    windows: int = Field(default=16, ge=1)
    crop: int = Field(default=1024, ge=64)
    seed: int = Field(default=0, ge=0)
    device: str | None = None
    threads: int | None = Field(default=None, ge=1, description="CPU threads")
    time_limit: float | None = Field(default=None, gt=0, description="minutes")
    name: str = ""
    overwrite: bool = False

    @field_validator("frames")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"frames must be odd, got {value}")
        return value


class DemoConfig(StageConfig):
    """``temdenoise demo``: the whole chain on a simulated in situ movie with ground truth.

    A movie of ``frames`` frames of ``size`` x ``size`` px at ``pixel_size`` A/px (the
    model grid) is simulated (``workers`` processes), rendered on a detector of
    ``detector_pixel_size`` A/px (smooth, count-conserving enlargement), drawn with Poisson
    noise at ``dose`` vacuum counts per detector pixel (seeded by ``seed``), fitted with a
    noise model, denoised with ``model`` (a shipped name or a model file) on ``device``
    through the path a user's file takes (binned to the model's grid and back) and
    evaluated against the truth at the detector's resolution. Every file goes into
    ``output``. The defaults are the seed's regime: 0.45 counts/px at 0.05 A/px, 180 e/A^2.
    """

    output: Path = Path("demo-output")
    model: str = "bf-unet"
    frames: int = Field(default=16, ge=8, le=1000, description="movie frames")
    size: int = Field(default=384, ge=32, le=4096, description="rows = columns, pixels")
    pixel_size: float = Field(default=0.25, gt=0, description="simulated, angstrom per pixel")
    detector_pixel_size: float = Field(default=0.05, gt=0, description="angstrom per pixel")
    dose: float = Field(default=0.45, gt=0, description="vacuum counts per detector pixel")
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=2, ge=1, le=256, description="simulation processes")
    device: str | None = None

    @model_validator(mode="after")
    def _check_detector(self) -> Self:
        if self.detector_pixel_size > self.pixel_size * (1 + 1e-9):
            raise ValueError(
                f"detector_pixel_size {self.detector_pixel_size} is coarser than the simulated "
                f"pixel_size {self.pixel_size}: the detector must sample at least as finely"
            )
        return self

    @property
    def detector_size(self) -> int:
        """Rows = columns of a detector frame."""
        return round(self.size * self.pixel_size / self.detector_pixel_size)

    @property
    def simulated_dose(self) -> float:
        """Vacuum counts per pixel of the simulated movie: detector pixels per pixel x dose."""
        return self.dose * (self.detector_size / self.size) ** 2
