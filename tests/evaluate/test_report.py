import json

import numpy as np
import pytest
from scipy import ndimage

from temdenoise.cli import main
from temdenoise.config import EvaluateConfig
from temdenoise.errors import ConfigError, InputError
from temdenoise.evaluate.report import FIGURES, evaluate_movie, run_evaluate, write_report

from .conftest import lattice_positions, render

SHAPE = (64, 64)
SPURIOUS = (6.0, 32.0)


@pytest.fixture(scope="module")
def movie():
    """Clean, noisy (Poisson) and 'denoised' (smoothed, with one invented atom) 5-frame movies."""
    truth = lattice_positions(SHAPE, spacing=10.0, radius=22)
    clean = render(SHAPE, truth, amplitude=1.2)
    rng = np.random.default_rng(3)
    noisy = rng.poisson(np.broadcast_to(clean, (5, *SHAPE))).astype(np.float32)
    smooth = 0.5 * ndimage.gaussian_filter(noisy, (0, 2.0, 2.0)) + 0.5 * clean
    invented = render(SHAPE, [SPURIOUS], background=0.0, amplitude=1.2)
    return clean, noisy, (smooth + invented).astype(np.float32)


def _strict_json(path):
    def refuse(name):
        raise AssertionError(f"{name} in JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def _assert_not_blank(path, floor=0.005):
    from matplotlib import image as mpimg

    pixels = mpimg.imread(path)[..., :3].mean(axis=-1)
    assert pixels.var() > floor, f"{path.name} looks blank"


def test_evaluate_movie_measures_with_and_without_ground_truth(movie):
    clean, noisy, denoised = movie
    result = evaluate_movie(noisy, denoised, clean[None], pixel_size=0.25, tolerance=2.5)
    body = result.metrics
    assert body["frames_evaluated"] == 5
    assert body["frame_shown"] == 2
    per = body["per_frame"]
    for key in ("psnr_count", "psnr_range", "ssim", "umse", "upsnr_count", "upsnr_count_noisy"):
        assert len(per[key]) == 5
    summary = body["summary"]
    assert summary["psnr_count"] > summary["psnr_count_noisy"] + 5
    noisy_mse = 10 ** (-summary["psnr_count_noisy"] / 10)
    assert summary["umse_noisy"] == pytest.approx(noisy_mse, rel=0.1)
    assert abs(summary["umse"] - summary["mse"]) < 0.03  # 5 small frames: a rough estimate
    atoms = body["atoms"]
    assert atoms["scores"]["recall"] == 1.0
    assert atoms["scores"]["n_detected"] == atoms["scores"]["n_truth"] + 1
    assert atoms["scores"]["surface_precision"] < 1.0  # the invented adatom
    flagged = [tuple(np.rint(p[:2])) for p in atoms["unsupported_positions"]]
    assert SPURIOUS in flagged
    assert set(body["profiles"]["snr"]) == {"noisy", "denoised"}
    assert body["profiles"]["snr_vs_clean"]["denoised"] > body["profiles"]["snr_vs_clean"]["noisy"]


def test_write_report_without_ground_truth_writes_json_figures_and_html(movie, tmp_path):
    _, noisy, denoised = movie  # real data: no clean frames (the seed's Figure 2 case)
    result = evaluate_movie(noisy, denoised, pixel_size=0.25, denoiser=lambda image: image)
    index = write_report(result, tmp_path / "report", inputs={"noisy": "n.npy"})
    assert index.name == "index.html"
    body = _strict_json(tmp_path / "report" / "metrics.json")
    assert body["format"] == "temdenoise-evaluation"
    assert body["umse_subsampled"]["umse"] > 0
    page = index.read_text()
    for name, file in FIGURES.items():
        assert (tmp_path / "report" / file).is_file(), name
        assert f'src="{file}"' in page
        _assert_not_blank(tmp_path / "report" / file)
    assert "uPSNR denoised" in page
    assert "log-likelihood" in page
    assert body["atoms"]["scores"] is None
    assert "Raw | denoised (no ground truth given)" in page  # no clean panel is claimed
    assert "Clean | noisy" not in page
    assert body["verdict"]
    assert "<h2>Verdict</h2>" in page
    for file in ("frame_noisy.png", "frame_denoised.png"):  # the raw | denoised slider
        assert (tmp_path / "report" / file).is_file()
        assert f"src='{file}'" in page
    assert "type='range'" in page


def test_evaluate_movie_without_ground_truth_and_with_too_few_frames(movie):
    _, noisy, denoised = movie
    calls = []
    result = evaluate_movie(noisy[:2], denoised[:2], progress=lambda *done: calls.append(done))
    assert calls == [(1, 2), (2, 2)]
    assert "umse" not in result.metrics["per_frame"]
    assert result.metrics["atoms"]["scores"] is None
    assert any("4 frames" in note for note in result.metrics["notes"])


def test_evaluate_movie_refuses_bad_arrays(movie):
    _clean, noisy, denoised = movie
    with pytest.raises(InputError, match="denoised: shape"):
        evaluate_movie(noisy, denoised[:, :-1])
    bad = denoised.copy()
    bad[1, 3, 3] = np.nan
    with pytest.raises(InputError, match="denoised: frame 1 has NaN"):
        evaluate_movie(noisy, bad)
    with pytest.raises(ConfigError, match="frame 9"):
        evaluate_movie(noisy, denoised, frame=9)
    with pytest.raises(ConfigError, match="leaves"):
        evaluate_movie(noisy, denoised, line=(1, 0, 1, 63))


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
    body = _strict_json(out / "metrics.json")
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
    from temdenoise.evaluate import report

    _, noisy, denoised = movie
    np.save(tmp_path / "noisy.npy", noisy)
    np.save(tmp_path / "den.npy", denoised)
    written = {}
    monkeypatch.setattr(
        report, "write_report", lambda ev, out, **kw: written.update(ev=ev, **kw) or out
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
        bodies.append(_strict_json(out / "metrics.json"))
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
        residuals.append(_strict_json(tmp_path / name / "metrics.json")["residual"])
    capsys.readouterr()
    poisson, read = (r["noise_model"] for r in residuals)
    assert (poisson["variance_slope"], poisson["variance_offset"]) == (1.0, 0.0)
    assert read["variance_slope"] == pytest.approx(1.0, abs=0.05)
    assert read["variance_offset"] == pytest.approx(4.0, abs=0.3)
