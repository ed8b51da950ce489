import json

import pytest
from pydantic import Field

from temdenoise.config import StageConfig
from temdenoise.errors import ConfigError


class Example(StageConfig):
    thickness: float = Field(default=4.0, gt=0)
    name: str = "pt"


def test_from_file_with_overrides(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"thickness": 3.0, "name": "a"}))
    cfg = Example.from_file(path, name="b", thickness=None)
    assert (cfg.thickness, cfg.name, cfg.schema_version) == (3.0, "b", 1)
    with pytest.raises(ValueError, match="frozen"):
        cfg.name = "c"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"thickness": -1}', r"c\.json: invalid thickness: Input should be greater than 0"),
        ('{"colour": 1}', r"c\.json: invalid colour: Extra inputs are not permitted"),
        ("[1]", "must be a JSON object"),
        ("{", "not a readable JSON config"),
    ],
)
def test_bad_config_files_give_one_line(tmp_path, text, message):
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        Example.from_file(path)
    assert "\n" not in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        Example.from_file(tmp_path / "nope.json")
