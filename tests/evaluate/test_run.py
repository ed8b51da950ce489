import numpy as np
import pytest

from temdenoise.cli import main
from temdenoise.config import EvaluateConfig
from temdenoise.errors import ConfigError
from temdenoise.evaluate.report import FIGURES
from temdenoise.evaluate.run import run_evaluate

from .conftest import SHAPE, strict_json


def test_cli_evaluate_end_to_end_on_npy_and_tif(movie, tmp_path, capsys):
    import tifffile

    clean, noisy, denoised = movie
    files = {"noisy": "noisy.npy", "denoised": "denoised.tif", "clean": "clean.tif"}
    paths = {name: tmp_path / file for name, file in files.items()}
    np.save(paths["noisy"], noisy)
    tifffile.imwrite(paths["denoised"], denoised)
    tifffile.imwrite(paths["clean"], clean)  # one image stands for every frame
    out = tmp_path / "report"
    argv = ["evaluate", "--noisy", str(paths["noisy"]), "--denoised", str(paths["denoised"])]
    argv += ["--clean", str(paths["clean"]), "--line", "32,10,32,54", "--frames", "1:5"]
    argv += ["--max-frames", "4", "--pixel-size", "0.25", "-o", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "index.html" in printed
    assert "psnr_count (dB)  raw" in printed
    assert "verdict:" in printed
    body = strict_json(out / "metrics.json")
    assert body["inputs"]["frames"] == [1, 5]
    assert body["per_frame"]["frame"] == [1, 2, 3, 4]
    assert len(body["per_frame"]["upsnr_count"]) == 4
    assert body["summary"]["psnr_count"] > body["summary"]["psnr_count_noisy"]
    assert body["profiles"]["line"] == [32, 10, 32, 54]
    assert body["profiles"]["width"] == 10
    assert body["pixel_size"] == 0.25
    assert body["config"]["clean"] == str(paths["clean"])
    assert all((out / file).is_file() for file in FIGURES.values())


def _one_error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    return err


def test_cli_bad_inputs_give_one_line_naming_the_file(movie, tmp_path, capsys):
    _, noisy, denoised = movie
    np.save(tmp_path / "noisy.npy", noisy)
    np.save(tmp_path / "small.npy", denoised[:, :32])
    nan = denoised.copy()
    nan[2, 5, 5] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    base = ["evaluate", "--noisy", str(tmp_path / "noisy.npy"), "-o", str(tmp_path / "r")]
    cases = {
        "missing.npy": "file not found",
        "small.npy": "do not match the noisy movie",
        "nan.npy": "frame 2 has NaN",
    }
    for file, reason in cases.items():
        assert main([*base, "--denoised", str(tmp_path / file)]) == 2
        err = _one_error_line(capsys)
        assert str(tmp_path / file) in err
        assert reason in err


def test_run_evaluate_refuses_an_empty_frame_range(movie, tmp_path):
    _, noisy, denoised = movie
    np.save(tmp_path / "noisy.npy", noisy)
    np.save(tmp_path / "den.npy", denoised)
    config = EvaluateConfig.build(
        noisy=tmp_path / "noisy.npy", denoised=tmp_path / "den.npy", output=tmp_path / "r"
    )
    with pytest.raises(ConfigError, match="select nothing"):
        run_evaluate(config.model_copy(update={"frames": (7, None)}))
    assert not (tmp_path / "r").exists()


def test_run_evaluate_caps_the_frames_and_says_so(movie, monkeypatch, tmp_path):
    from temdenoise.evaluate import run

    _, noisy, denoised = movie
    np.save(tmp_path / "noisy.npy", noisy)
    np.save(tmp_path / "den.npy", denoised)
    written = {}
    monkeypatch.setattr(
        run, "write_report", lambda ev, out, **kw: written.update(ev=ev, **kw) or out
    )
    config = EvaluateConfig.build(
        noisy=tmp_path / "noisy.npy", denoised=tmp_path / "den.npy", output=tmp_path / "r",
        max_frames=4,
    )  # fmt: skip
    run_evaluate(config)
    assert written["inputs"]["frames"] == [0, 4]
    assert any("max_frames 4" in note for note in written["ev"].metrics["notes"])


def test_cli_refuses_a_malformed_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--noisy", "a.npy", "--denoised", "b.npy", "-o", "r", "--line", "1,2"])
    assert exit_info.value.code == 2
    assert "expected R0,C0,R1,C1" in capsys.readouterr().err


def test_evaluate_config_refuses_bad_values():
    with pytest.raises(ConfigError, match="width"):
        EvaluateConfig.build(noisy="a.npy", denoised="b.npy", output="r", width=0)


def test_an_output_of_a_frame_range_is_compared_with_the_same_source_frames(
    movie, tmp_path, capsys
):
    from temdenoise.models import BFDnCNN
    from temdenoise.models.checkpoint import save_model

    _, noisy, _ = movie
    np.save(tmp_path / "noisy.npy", noisy)
    save_model(tmp_path / "m.safetensors", BFDnCNN(depth=3, width=4), pixel_size=0.25,
               dose_range=(0.1, 10.0))  # fmt: skip
    den = tmp_path / "den.tif"
    argv = ["denoise", str(tmp_path / "noisy.npy"), "-o", str(den), "--frames", "1:5"]
    assert main([*argv, "--model", str(tmp_path / "m.safetensors")]) == 0
    np.save(tmp_path / "noisy-1-5.npy", noisy[1:5])
    bodies = []
    for source in ("noisy.npy", "noisy-1-5.npy"):
        out = tmp_path / f"report-{source}"
        argv = ["evaluate", "--noisy", str(tmp_path / source), "--denoised", str(den)]
        assert main([*argv, "-o", str(out)]) == 0
        bodies.append(strict_json(out / "metrics.json"))
    capsys.readouterr()
    assert bodies[0]["inputs"]["noisy_frames"] == [1, 5]
    assert bodies[1]["inputs"]["noisy_frames"] == [0, 4]
    assert bodies[0]["summary"] == bodies[1]["summary"]
    np.save(tmp_path / "den.npy", np.zeros((4, *SHAPE), np.float32))  # no provenance
    argv = ["evaluate", "--noisy", str(tmp_path / "noisy.npy"), "--denoised"]
    assert main([*argv, str(tmp_path / "den.npy"), "-o", str(tmp_path / "r")]) == 2
    assert "provenance names no frame range" in _one_error_line(capsys)


def test_the_residual_is_judged_against_a_given_noise_model(movie, tmp_path, capsys):
    from temdenoise.noise.base import NoiseModel
    from temdenoise.noise.counting import Poisson
    from temdenoise.noise.detector import GainReadNoise
    from temdenoise.noise.store import save_noise_model

    _, noisy, denoised = movie
    np.save(tmp_path / "noisy.npy", noisy)
    np.save(tmp_path / "den.npy", denoised)
    model = NoiseModel((Poisson(), GainReadNoise(gain=1.0, offset=0.0, read_noise=2.0)),
                       detector="integrating")  # fmt: skip
    save_noise_model(model, tmp_path / "noise.json")
    base = ["evaluate", "--noisy", str(tmp_path / "noisy.npy"), "--denoised"]
    base += [str(tmp_path / "den.npy")]
    residuals = []
    for extra, name in (([], "poisson"), (["--noise", str(tmp_path / "noise.json")], "read")):
        assert main([*base, *extra, "-o", str(tmp_path / name)]) == 0
        residuals.append(strict_json(tmp_path / name / "metrics.json")["residual"])
    capsys.readouterr()
    poisson, read = (r["noise_model"] for r in residuals)
    assert (poisson["variance_slope"], poisson["variance_offset"]) == (1.0, 0.0)
    assert read["variance_slope"] == pytest.approx(1.0, abs=0.05)
    assert read["variance_offset"] == pytest.approx(4.0, abs=0.3)
