import subprocess
import sys

import pytest

from temdenoise import __version__
from temdenoise.cli import main


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "info" in out


def test_info_reports_versions_device_and_models(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"temdenoise  {__version__}" in out
    assert "torch       2." in out
    assert "device      cpu" in out or "device      cuda" in out
    assert "models" in out


def test_unknown_command_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_the_console_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "temdenoise", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"temdenoise {__version__}"


def test_importing_the_package_is_light():
    code = (
        "import sys, temdenoise; "
        "heavy = {'torch', 'abtem', 'ase', 'dask', 'distributed', 'matplotlib'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_lazy_names_resolve():
    import temdenoise

    assert callable(temdenoise.denoise)
    assert callable(temdenoise.load_model)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        temdenoise.nope  # noqa: B018


def test_errors_are_one_line_with_exit_codes(capsys, monkeypatch):
    from temdenoise import cli
    from temdenoise.errors import InputError

    def bad_input(args):
        raise InputError("movie.dm4: not a DM4 file")

    def internal(args):
        raise RuntimeError("boom\nsecond line")

    for handler, code, line in [
        (bad_input, 2, "temdenoise: error: movie.dm4: not a DM4 file"),
        (internal, 1, "temdenoise: internal error: RuntimeError: boom (rerun with --debug"),
    ]:
        monkeypatch.setattr(cli, "_info", handler)
        assert cli.main(["info"]) == code
        err = capsys.readouterr().err
        assert err.startswith(line)
        assert err.count("\n") == 1
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["--debug", "info"])


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
