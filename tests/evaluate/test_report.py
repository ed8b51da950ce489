from temdenoise.evaluate.movie import evaluate_movie
from temdenoise.evaluate.report import FIGURES, write_report

from .conftest import strict_json


def _assert_not_blank(path, floor=0.005):
    from matplotlib import image as mpimg

    pixels = mpimg.imread(path)[..., :3].mean(axis=-1)
    assert pixels.var() > floor, f"{path.name} looks blank"


def test_write_report_without_ground_truth_writes_json_figures_and_html(movie, tmp_path):
    _, noisy, denoised = movie  # real data: no clean frames (the seed's Figure 2 case)
    result = evaluate_movie(noisy, denoised, pixel_size=0.25, denoiser=lambda image: image)
    index = write_report(result, tmp_path / "report", inputs={"noisy": "n.npy"})
    assert index.name == "index.html"
    body = strict_json(tmp_path / "report" / "metrics.json")
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
