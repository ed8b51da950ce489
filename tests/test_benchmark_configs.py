"""The JSON configs in benchmarks/configs load as the stage configs they are written for."""

from pathlib import Path

import pytest

from temdenoise.config import SimulateConfig, TrainConfig

CONFIGS = Path(__file__).parents[1] / "benchmarks" / "configs"
STAGES = {"sim": SimulateConfig, "train": TrainConfig}


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.json")), ids=lambda p: p.name)
def test_every_benchmark_config_loads_as_its_stage(path):
    stage = STAGES[path.name.split("-")[0]]
    config = stage.from_file(path)
    if stage is SimulateConfig:  # the still sets' and movies' microscope (in angstrom)
        assert config.pixel_size == 0.25
    else:
        assert config.data
        assert config.output.suffix == ".safetensors"


def test_the_still_sets_ranges_are_the_ones_the_cards_record():
    config = SimulateConfig.from_file(CONFIGS / "sim-c.json")
    assert config.cs == 5e4  # 5 um
    assert config.defocus_range == (-150.0, 150.0)  # -15 to 15 nm
    assert config.focal_spread_range == (20.0, 80.0)  # 2-8 nm
    assert config.support_thickness_range == (30.0, 80.0)  # 3-8 nm
    assert config.mtf == (0.1, 0.6)
