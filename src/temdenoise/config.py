"""Frozen configuration models, one per stage, each with a schema version.

Pure functions take keyword arguments; only orchestrators take one of these. A config
is written into every artifact a stage makes, so the artifact says how it was made.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    frames: tuple[int, int | None] = (0, None)
    device: str | None = None
    batch_size: int = Field(default=4, ge=1)
    tile: int | None = Field(default=None, ge=1)
    precision: Literal["fp32", "bf16"] = "fp32"
    block_frames: int = Field(default=8, ge=1)
    overwrite: bool = False
