import json
from pathlib import Path

import numpy as np
import pytest

from temdenoise.cli import main
from temdenoise.config import FitNoiseConfig
from temdenoise.noise.store import load_noise_model


@pytest.fixture
def counting_movie(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    r, c = np.mgrid[:96, :128]
    expected = 0.45 * (1 + 0.8 * np.sin(c / 5.0) * np.cos(r / 7.0))
    expected[:, :32] = 0.45  # vacuum on the left
    path = tmp_path / "movie.npy"
    np.save(path, rng.poisson(expected, (16, 96, 128)).astype(np.uint8))
    return path


def test_fit_noise_cli_writes_model_and_figure(counting_movie, tmp_path, capsys):
    out = tmp_path / "noise.json"
    code = main(
        [
            "fit-noise",
            str(counting_movie),
            "-o",
            str(out),
            "--roi",
            "0:96,32:128",
            "--vacuum-roi",
            "0:96,0:32",
        ]
    )
    assert code == 0
    assert f"wrote {out}: counting detector: categorical(" in capsys.readouterr().out
    model = load_noise_model(out)
    assert model.detector == "counting"
    assert model.dose == pytest.approx(0.45, rel=0.05)
    data = json.loads(out.read_text())
    assert data["format"] == "temdenoise-noise"
    assert data["schema_version"] == 1
    assert data["stages"][0]["kind"] == "categorical"
    assert data["info"]["source"]["roi"] == [0, 96, 32, 128]
    assert data["info"]["fit"]["categorical"]["kl"] < 1e-3
    assert FitNoiseConfig.model_validate(data["info"]["config"]).roi == (0, 96, 32, 128)
    png = out.with_suffix(".png")
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--roi", "0:500,0:10"], "roi 0:500,0:10 is outside the 96 x 128 frame"),
        (["--frames", "0:4"], "too few frames: 4"),
        (["--frames", "20:30"], "no frames in 20:16"),
    ],
)
def test_fit_noise_cli_bad_input_exit_2_one_line(counting_movie, tmp_path, capsys, extra, message):
    code = main(["fit-noise", str(counting_movie), "-o", str(tmp_path / "n.json"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"temdenoise: error: {counting_movie}") or "invalid" in err
    assert message in err
    assert err.count("\n") == 1


def test_fit_noise_cli_missing_file_and_bad_region(tmp_path, capsys):
    assert main(["fit-noise", str(tmp_path / "nope.npy"), "-o", str(tmp_path / "n.json")]) == 2
    assert "file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fit-noise", "x.npy", "-o", "n.json", "--roi", "1:2"])
    assert "expected R0:R1,C0:C1" in capsys.readouterr().err
    assert main(["fit-noise", "x.npy", "-o", "n.json", "--roi", "5:2,0:9"]) == 2
    assert "a region needs 0 <= start < stop" in capsys.readouterr().err


def real_file(name: str, *parts: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{name} is not installed (scripts/test.sh installs it for its real files)")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def test_fit_noise_on_real_serialem_frames(tmp_path):
    """Two real 1024 x 1024 int16 frames of one area (SerialEM, NIST Titan)."""
    from temdenoise.noise.run import run_fit_noise

    path = real_file("etspy", "tests", "test_data", "SerialEM_Multiframe_Test", "test_000.mrc")
    config = FitNoiseConfig.build(
        input=path, output=tmp_path / "real.json", roi=(256, 512, 256, 512)
    )
    report = run_fit_noise(config)
    model = load_noise_model(report.output)
    assert model.detector == "integrating"
    assert next(s.kind for s in model.stages) == "poisson"
    gain = model.stages[-1]
    assert gain.kind == "gain_read_noise"
    assert gain.gain > 0
    assert gain.read_noise > 0
    # the noise of these frames is correlated along the columns, not along the rows
    assert report.fit.correlation is not None
    assert report.fit.correlation.sigma_column > 2 * report.fit.correlation.sigma_row
    assert report.figure is not None
    assert report.figure.exists()
