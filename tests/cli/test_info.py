"""`temdenoise info`: the installation, or one movie's shape, dose and coverage."""

from temdenoise import __version__
from temdenoise.cli import main


def test_info_reports_versions_device_and_models(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"temdenoise  {__version__}" in out
    assert "torch       2." in out
    assert "device      cpu" in out or "device      cuda" in out
    assert "models" in out


def test_info_file_says_shape_dose_counts_and_coverage(tmp_path, capsys):
    import numpy as np
    import zarr

    frames = np.random.default_rng(0).poisson(0.45, size=(3, 100, 100)).astype(np.uint16)
    group = zarr.open_group(tmp_path / "m.zarr", mode="w")
    group.create_array("frames", data=frames)
    group.attrs["temdenoise"] = {"metadata": {"pixel_size": 0.05}}
    assert main(["info", str(tmp_path / "m.zarr")]) == 0
    out = capsys.readouterr().out
    assert "3 frames of 100 x 100 px, uint16" in out
    dose = frames[0].mean()
    assert f"{dose:.3g} counts/px at 0.05 A/px ({dose / 0.05**2:.3g} e/A^2)" in out
    assert "integers >= 0: counted electrons" in out
    assert "bf-unet     covers it: binned 5 x 5" in out
    np.save(tmp_path / "adu.npy", (frames.astype(np.int32) * 40 - 200).astype(np.int16))
    assert main(["info", str(tmp_path / "adu.npy")]) == 0
    assert "not counts: negative values" in capsys.readouterr().out
