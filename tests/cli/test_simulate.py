import json

import pytest

from temdenoise.cli import main

pytest.importorskip("abtem")


@pytest.mark.sim
def test_simulate_command_writes_and_resumes(tmp_path, capsys):
    config = tmp_path / "sim.json"
    config.write_text(
        json.dumps({"margin": 4.0, "focal_spread_samples": 0, "scene_weights": {"support": 1.0}})
    )
    out = tmp_path / "out.zarr"
    args = ["simulate", "-o", str(out), "--n", "1", "--n-test", "1", "--size", "32"]
    args += ["--pixel-size", "0.3", "--dose", "2", "--seed", "3", "--config", str(config)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out
    assert "2 images of 32 x 32 px at 0.3 A/px, dose 2.0" in captured.out
    assert "image/s" in captured.err  # the progress bar
    assert main(args) == 0
    assert "(0 simulated now, 2 already there)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--movie", "4", "--n", "3"], "--movie writes one movie: leave out --n and --n-test"),
        (["--pixel-size", "0.8"], "coarser than half the information limit"),
    ],
)
def test_simulate_command_errors_are_one_line(tmp_path, capsys, args, message):
    assert main(["simulate", "-o", str(tmp_path / "x.zarr"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
