"""The base of every stage's configuration: frozen, versioned, loaded from JSON or options."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

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
