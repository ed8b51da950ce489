import json

import pytest

from temdenoise.config import SimulateConfig
from temdenoise.errors import ConfigError


def test_the_default_reproduces_the_seed_set_up():
    config = SimulateConfig()
    assert (config.n_train, config.n_test, config.element, config.support) == (
        460,
        20,
        "Pt",
        "CeO2",
    )
    assert config.energy == 300e3
    assert config.sampling <= 0.1
    assert config.support_thickness_range == (30.0, 60.0)
    assert config.tilt_max == 4.0
    assert config.defocus_range == (-200.0, 0.0)  # 0-20 nm


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"support_thickness_range": (-3.0, 40.0)}, "support_thickness_range: .*must be positive"),
        ({"diameter_range": (40.0, 20.0)}, "diameter_range: .*low end 40.0 is above"),
        ({"element": "Xx"}, "element: .*unknown element 'Xx'"),
        ({"support": "MgO"}, "support: .*unknown support 'MgO'"),
        ({"sampling": 0.2}, "sampling: Input should be less than or equal to 0.1"),
        ({"shapes": ("cube",)}, "shapes: .*choose from"),
        ({"scene_weights": {"particle": 0, "vacuum": 0}}, "scene_weights"),
        ({"size": 4}, "size: Input should be greater than or equal to 16"),
        ({"truncation_range": (0.1, 1.5)}, "fraction below 1"),
    ],
)
def test_invalid_configs_get_one_line(values, message):
    with pytest.raises(ConfigError, match=message) as info:
        SimulateConfig.build(**values)
    assert "\n" not in str(info.value)


def test_invalid_config_file_names_the_file(tmp_path):
    path = tmp_path / "sim.json"
    path.write_text(json.dumps({"support_thickness_range": [-1, 5]}))
    with pytest.raises(ConfigError, match=r"sim\.json: invalid support_thickness_range"):
        SimulateConfig.from_file(path)


def test_a_coarser_pixel_is_fine_with_a_larger_focal_spread():
    config = SimulateConfig.build(pixel_size=0.4, focal_spread_range=(45.0, 60.0))
    assert config.pixel_size == 0.4
