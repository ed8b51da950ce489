from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import torch

from temdenoise.errors import ConfigError, InputError
from temdenoise.models.checkpoint import load_model, read_header
from temdenoise.train.loop import run_train
from temdenoise.train.workdir import work_dir

from .conftest import train_config, write_fake_movie


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_model(path).network.state_dict()


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_writes_a_model_a_log_and_a_checkpoint(dataset: Path, tmp_path: Path) -> None:
    output = tmp_path / "m.safetensors"
    seen: list[int] = []
    result = run_train(train_config(dataset, output), progress=lambda s: seen.append(s.step))
    assert seen == [1, 2, 3, 4]
    header = read_header(output)
    assert header.name == "tiny"
    assert header.arch == "dncnn"
    assert header.dose_range == (0.5, 60.0)  # around the seed's 180 e/A^2
    assert header.training["steps"] == 4
    assert header.training["best_step"] in (2, 4)
    assert header.noise_model is not None
    assert header.noise_model["stages"][0]["kind"] == "poisson"
    assert math.isfinite(result.best_validation["psnr_count"])
    with result.log.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [2, 4]
    assert all(r["psnr_count"] for r in rows)
    assert (work_dir(output) / "checkpoint.pt").exists()
    summary = json.loads((work_dir(output) / "summary.json").read_text())
    assert summary["steps"] == 4
    assert summary["best_validation"] == result.best_validation
    network = load_model(output).network
    assert not network.training


def test_deterministic_for_a_seed(dataset: Path, tmp_path: Path) -> None:
    run_train(train_config(dataset, tmp_path / "a.safetensors"))
    run_train(train_config(dataset, tmp_path / "b.safetensors"))
    run_train(train_config(dataset, tmp_path / "c.safetensors", seed=1))
    a, b, c = (_weights(tmp_path / f"{n}.safetensors") for n in "abc")
    assert _same(a, b)
    assert not _same(a, c)


def test_resume_continues_exactly(dataset: Path, tmp_path: Path) -> None:
    straight = tmp_path / "straight.safetensors"
    run_train(train_config(dataset, straight, val_every=4))
    resumed = tmp_path / "resumed.safetensors"
    run_train(train_config(dataset, resumed, steps=2, val_every=4))  # "interrupted" at step 2
    resumed.unlink()
    result = run_train(train_config(dataset, resumed, resume=True, val_every=4))
    assert result.steps == 4
    assert _same(_weights(straight), _weights(resumed))


def test_an_averaged_run_ships_the_average_and_resumes_exactly(
    dataset: Path, tmp_path: Path
) -> None:
    straight = tmp_path / "straight.safetensors"
    run_train(train_config(dataset, straight, val_every=4, average_decay=0.5))
    resumed = tmp_path / "resumed.safetensors"
    run_train(train_config(dataset, resumed, steps=2, val_every=4, average_decay=0.5))
    resumed.unlink()
    run_train(train_config(dataset, resumed, resume=True, val_every=4, average_decay=0.5))
    shipped = _weights(straight)
    assert _same(shipped, _weights(resumed))
    last = torch.load(work_dir(straight) / "checkpoint.pt", weights_only=True)["network"]
    assert not _same(shipped, {k: v.float() for k, v in last.items()})  # not the last step's
    header = read_header(straight)
    assert header.training["optimizer"]["weight_average_decay"] == 0.5
    with pytest.raises(ConfigError, match="average_decay"):  # resumed with another decay
        run_train(train_config(dataset, resumed, resume=True, average_decay=0.9))


def test_warmup_ramps_the_rate_and_holds_the_schedule(dataset: Path, tmp_path: Path) -> None:
    # lr_patience 0 would halve the rate at any validation that does not improve; none of
    # the warm-up's validations may, and the rate climbs in equal steps to lr
    config = train_config(
        dataset, tmp_path / "w.safetensors", steps=6, val_every=1, lr=1e-3, lr_patience=0, warmup=4
    )
    result = run_train(config)
    with result.log.open() as handle:
        rates = [float(r["lr"]) for r in csv.DictReader(handle)]
    assert rates[:4] == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3])
    assert rates[4] in (pytest.approx(1e-3), pytest.approx(5e-4))  # the schedule is back on


def test_time_limit_stops_early_and_still_writes_the_model(dataset: Path, tmp_path: Path) -> None:
    output = tmp_path / "m.safetensors"
    result = run_train(train_config(dataset, output, steps=1000, time_limit=1e-6))
    assert result.stopped_early
    assert result.steps < 1000
    assert read_header(output).training["stopped_early"] is True


def test_learns_something(dataset: Path, tmp_path: Path) -> None:
    output = tmp_path / "m.safetensors"
    result = run_train(
        train_config(dataset, output, steps=40, val_every=40, dose_range=(0.45, 0.45), lr=3e-3)
    )
    noisy_psnr = 10 * math.log10(1 / 0.45 / 1.3)  # Poisson MSE = mean expected count
    assert result.best_validation["psnr_count"] > noisy_psnr + 3


def test_bad_architecture_parameters_are_a_config_error(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="arch_params"):
        run_train(train_config(dataset, tmp_path / "m.safetensors", arch_params={"depth": 1}))


def test_a_multi_frame_network_starts_from_a_one_frame_model(dataset: Path, tmp_path: Path) -> None:
    single = tmp_path / "one.safetensors"
    run_train(train_config(dataset, single, steps=2))
    output = tmp_path / "three.safetensors"
    arch = {"depth": 3, "width": 4, "in_frames": 3}
    result = run_train(train_config(dataset, output, arch_params=arch, init=str(single), steps=2))
    model = load_model(output)
    assert model.network.in_frames == 3
    assert model.header.training["init"]["weights_sha256"] == read_header(single).weights_sha256
    assert model.header.training["augment"]["frames"] == 3
    assert math.isfinite(result.best_validation["psnr_count"])


def test_an_init_of_another_architecture_is_a_config_error(dataset: Path, tmp_path: Path) -> None:
    single = tmp_path / "one.safetensors"
    run_train(train_config(dataset, single, steps=2))
    bad = train_config(
        dataset,
        tmp_path / "u.safetensors",
        arch="unet",
        arch_params={"scales": 2},
        init=str(single),
    )
    with pytest.raises(ConfigError, match=r"one\.safetensors: cannot start"):
        run_train(bad)


def test_frozen_norms_keep_the_init_statistics_and_learn_the_rest(
    dataset: Path, tmp_path: Path
) -> None:
    init = tmp_path / "init.safetensors"
    run_train(train_config(dataset, init, steps=2))
    output = tmp_path / "frozen.safetensors"
    run_train(train_config(dataset, output, init=str(init), freeze_norms=True, val_every=2))
    before, after = _weights(init), _weights(output)
    statistics = [k for k in before if k.endswith("running_sd")]
    assert statistics
    assert all(torch.equal(before[k], after[k]) for k in statistics)
    assert not _same(before, after)  # the convolutions and gains learned
    assert read_header(output).training["optimizer"]["frozen_norm_statistics"] is True
    with pytest.raises(ConfigError, match="freeze_norms"):  # nothing trained to keep
        run_train(train_config(dataset, tmp_path / "x.safetensors", freeze_norms=True))
    thawed = tmp_path / "thawed.safetensors"
    run_train(train_config(dataset, thawed, init=str(init), val_every=2))
    assert not all(torch.equal(before[k], _weights(thawed)[k]) for k in statistics)


def test_a_multi_frame_network_learns_from_stills_and_movies(dataset: Path, tmp_path: Path) -> None:
    movie = write_fake_movie(tmp_path / "movie.zarr")
    output = tmp_path / "three.safetensors"
    arch = {"depth": 3, "width": 4, "in_frames": 3}
    result = run_train(train_config(dataset, output, arch_params=arch, steps=2))
    moving = tmp_path / "moving.safetensors"
    result = run_train(
        train_config(dataset, moving, data=(dataset, movie), arch_params=arch, steps=2)
    )
    assert math.isfinite(result.best_validation["psnr_count"])
    data = read_header(moving).training["data"]
    assert [(d["kind"], d["images"]) for d in data] == [("images", 6), ("movie", 6)]
    assert not _same(_weights(output), _weights(moving))  # the movie's windows were drawn
    short = write_fake_movie(tmp_path / "short.zarr", frames=2)
    with pytest.raises(InputError, match=r"short\.zarr: .* shorter"):
        run_train(
            train_config(
                dataset, tmp_path / "s.safetensors", data=(dataset, short), arch_params=arch
            )
        )
