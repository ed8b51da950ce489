from temdenoise.models import BFDnCNN
from temdenoise.models.checkpoint import save_model
from temdenoise.pretrained import resolve_model, shipped_models


def test_every_shipped_model_loads_and_has_a_card():
    from temdenoise.models.checkpoint import load_model

    for name, path in shipped_models().items():
        loaded = load_model(path)
        assert loaded.header.name == name
        assert path.with_suffix(".md").is_file(), f"{name} has no model card"


def test_resolve_model_returns_paths_for_names_it_does_not_ship(tmp_path):
    path = tmp_path / "mine.safetensors"
    save_model(path, BFDnCNN(depth=2, width=2), pixel_size=0.1, dose_range=(0.5, 0.5))
    assert resolve_model(path) == path
    assert resolve_model(str(path)) == path
