from __future__ import annotations

from pathlib import Path

import pytest

from temdenoise.cli import main
from temdenoise.models.checkpoint import read_header
from tests.train.conftest import write_fake_dataset

TINY = ["--arch", "dncnn", "--arch-params", '{"depth": 3, "width": 4}', "--batch-size", "2"]


def test_train_writes_a_model_and_reports_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_fake_dataset(tmp_path / "d.zarr")
    output = tmp_path / "m.safetensors"
    argv = ["train", "--data", str(data), "-o", str(output), "--steps", "3", "--threads", "1"]
    code = main([*argv, *TINY, "--patch-size", "16", "--name", "mine"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"wrote {output}: 3 steps" in out
    assert "psnr_count" in out
    assert read_header(output).name == "mine"


def test_train_bad_data_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.zarr"
    code = main(["train", "--data", str(missing), "-o", str(tmp_path / "m.safetensors"), *TINY])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0
    assert str(missing) in err
    assert list(tmp_path.iterdir()) == []


def test_train_without_data_names_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "-o", str(tmp_path / "m.safetensors")])
    assert code == 2
    assert "data" in capsys.readouterr().err
