from temdenoise.models import BFDnCNN
from temdenoise.models.checkpoint import save_model
from temdenoise.pretrained import resolve_model, shipped_models


def test_every_shipped_model_loads_and_has_a_card():
    from temdenoise.models.checkpoint import load_model

    for name, path in shipped_models().items():
        loaded = load_model(path)
        assert loaded.header.name == name
        card = path.with_suffix(".md")
        assert card.is_file(), f"{name} has no model card"
        text = card.read_text()
        assert loaded.header.weights_sha256[:16] in text, f"{name}'s card is not about this file"
        assert loaded.header.training["steps"] > 0


def test_the_seed_network_and_the_unet_are_shipped():
    shipped = shipped_models()
    assert {"seed-dncnn", "bf-unet"} <= set(shipped)


def test_resolve_model_returns_paths_for_names_it_does_not_ship(tmp_path):
    path = tmp_path / "mine.safetensors"
    save_model(path, BFDnCNN(depth=2, width=2), pixel_size=0.1, dose_range=(0.5, 0.5))
    assert resolve_model(path) == path
    assert resolve_model(str(path)) == path
