"""Model files: round trip, and one clear refusal for every kind of bad file."""

import json
import pickle

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from safetensors.torch import save_file

from temdenoise import __version__
from temdenoise.errors import ModelFileError
from temdenoise.infer import denoise
from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.models.checkpoint import (
    HEADER_KEY,
    load_model,
    read_header,
    save_model,
    update_header,
    weights_digest,
)
from tests.conftest import randomize


@pytest.fixture
def unet():
    torch.manual_seed(0)
    return randomize(BFUNet(scales=3, width=4, in_frames=3, residual=True))


@pytest.fixture
def model_file(tmp_path, unet):
    path = tmp_path / "model.safetensors"
    save_model(
        path,
        unet,
        pixel_size=0.12,
        dose_range=(0.1, 10.0),
        noise_model={"kind": "poisson"},
        training={"steps": 3, "data": "sim.zarr"},
        name="tiny",
    )
    return path


def test_round_trip_keeps_outputs_and_header(model_file, unet):
    loaded = load_model(model_file)
    frames = np.random.default_rng(0).poisson(0.45, size=(3, 32, 32))
    np.testing.assert_array_equal(denoise(frames, loaded), denoise(frames, unet))
    h = loaded.header
    assert isinstance(loaded.network, BFUNet)
    assert not loaded.network.training
    assert h.arch == "unet"
    assert h.arch_params == unet.arch_params()
    assert h.pixel_size == 0.12
    assert h.dose_range == (0.1, 10.0)
    assert h.noise_model == {"kind": "poisson"}
    assert h.training == {"steps": 3, "data": "sim.zarr"}
    assert h.package_version == __version__
    assert read_header(model_file) == h


def test_half_precision_weights_are_smaller_and_close(tmp_path, unet):
    f32, f16 = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    save_model(f32, unet, pixel_size=0.1, dose_range=(1, 1))
    save_model(f16, unet, pixel_size=0.1, dose_range=(1, 1), weights_dtype="float16")
    assert f16.stat().st_size < 0.6 * f32.stat().st_size
    loaded = load_model(f16)
    assert loaded.header.weights_dtype == "float16"
    for a, b in zip(loaded.network.parameters(), unet.parameters(), strict=True):
        assert a.dtype == torch.float32
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3)


def test_save_leaves_no_temporary_files(tmp_path, unet):
    save_model(tmp_path / "m.safetensors", unet, pixel_size=0.1, dose_range=(1, 2))
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="model file not found"):
        load_model(tmp_path / "nope.safetensors")


def test_truncated_file(tmp_path, model_file):
    data = model_file.read_bytes()
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"truncated\.safetensors: not a readable model file"):
        load_model(bad)


def test_corrupt_weights_fail_the_checksum(tmp_path, model_file):
    data = bytearray(model_file.read_bytes())
    data[-10] ^= 0xFF
    bad = tmp_path / "flipped.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="weights do not match their checksum"):
        load_model(bad)


def test_random_bytes(tmp_path):
    bad = tmp_path / "noise.safetensors"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ModelFileError, match="not a readable model file"):
        load_model(bad)


class _Exploit:
    def __reduce__(self):
        return (exec, ("open(__import__('os').environ['PWNED'], 'w').write('x')",))


def test_a_pickle_that_would_run_code_is_refused_unread(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("PWNED", str(marker))
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(ModelFileError, match="refusing to unpickle"):
        load_model(bad)
    bad_pt = tmp_path / "evil.pt"
    torch.save({"x": _Exploit()}, bad_pt)
    with pytest.raises(ModelFileError, match="is a pickle or PyTorch checkpoint"):
        load_model(bad_pt)
    assert not marker.exists()


def test_foreign_safetensors_without_header(tmp_path):
    bad = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, bad, metadata={"format": "pt"})
    with pytest.raises(ModelFileError, match="without a temdenoise header"):
        load_model(bad)


def _write_with_header(path, tensors, header):
    save_file(tensors, path, metadata={HEADER_KEY: json.dumps(header)})


def test_invalid_header(tmp_path, model_file):
    header = json.loads(read_header(model_file).model_dump_json())
    header["pixel_size"] = -1.0
    bad = tmp_path / "negative.safetensors"
    _write_with_header(bad, {"w": torch.zeros(1)}, header)
    with pytest.raises(ModelFileError, match="invalid temdenoise header") as info:
        load_model(bad)
    assert "\n" not in str(info.value)


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    net = BFDnCNN(depth=3, width=4)
    tensors = {k: v.contiguous() for k, v in net.state_dict().items()}
    header = {
        "arch": "dncnn",
        "arch_params": {"depth": 3, "width": 8},
        "pixel_size": 0.1,
        "dose_range": [0.1, 1.0],
        "weights_sha256": weights_digest(tensors),
    }
    bad = tmp_path / "mismatch.safetensors"
    _write_with_header(bad, tensors, header)
    with pytest.raises(ModelFileError, match="weights do not fit dncnn"):
        load_model(bad)


def _header(tensors, **arch_params):
    return {
        "arch": "dncnn",
        "arch_params": arch_params,
        "pixel_size": 0.1,
        "dose_range": [0.1, 1.0],
        "weights_sha256": weights_digest(tensors),
    }


def test_a_header_asking_for_a_huge_network_is_refused_without_building_it(tmp_path):
    tensors = {k: v.contiguous() for k, v in BFDnCNN(depth=3, width=4).state_dict().items()}
    bad = tmp_path / "huge.safetensors"
    _write_with_header(bad, tensors, _header(tensors, depth=3, width=200_000))  # 1.4 TB
    with pytest.raises(ModelFileError, match="weights do not fit dncnn"):
        load_model(bad)


def test_weights_with_nan_are_refused(tmp_path):
    tensors = {k: v.contiguous() for k, v in BFDnCNN(depth=3, width=4).state_dict().items()}
    first = next(k for k, v in tensors.items() if v.is_floating_point())
    tensors[first][0] = float("nan")
    bad = tmp_path / "nan.safetensors"
    _write_with_header(bad, tensors, _header(tensors, depth=3, width=4))
    with pytest.raises(ModelFileError, match="weights hold NaN or infinite values"):
        load_model(bad)


def test_saved_model_is_readable_by_others_as_the_umask_allows(tmp_path):
    import os

    path = tmp_path / "m.safetensors"
    save_model(path, BFDnCNN(depth=2, width=2), pixel_size=0.1, dose_range=(0.5, 0.5))
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_the_header_tells_the_pixel_sizes_a_model_was_trained_over(tmp_path):
    path = tmp_path / "m.safetensors"
    net = BFDnCNN(depth=2, width=2)
    save_model(path, net, pixel_size=0.25, dose_range=(0.1, 10.0))
    assert read_header(path).trained_pixel_sizes is None
    training = {"augment": {"pixel_size_range": [0.15, 0.4]}}
    save_model(path, net, pixel_size=0.25, dose_range=(0.1, 10.0), training=training)
    assert read_header(path).trained_pixel_sizes == (0.15, 0.4)


def test_a_measured_bf16_cost_is_written_into_the_header_with_the_weights_untouched(model_file):
    before = load_model(model_file)
    assert before.header.bf16_cost_db is None
    update_header(model_file, bf16_cost_db=0.012)
    after = load_model(model_file)
    assert after.header.bf16_cost_db == 0.012
    assert after.header.weights_sha256 == before.header.weights_sha256
    assert after.header.created == before.header.created
    old, new = before.network.state_dict(), after.network.state_dict()
    assert all(torch.equal(old[k], new[k]) for k in old)
    assert [p.name for p in model_file.parent.iterdir()] == [model_file.name]  # no temporaries


def test_the_header_update_cannot_change_what_describes_the_weights(model_file):
    with pytest.raises(ValueError, match="weights_sha256"):
        update_header(model_file, weights_sha256="0" * 64)
    with pytest.raises(ValidationError):
        update_header(model_file, bf16_cost_db="a lot")
    assert load_model(model_file).header.bf16_cost_db is None


def test_a_header_whose_length_starts_with_the_pickle_byte_still_loads(tmp_path):
    """The length of a safetensors header is its first 8 bytes: 0x80 there is no pickle."""
    path = tmp_path / "m.safetensors"
    net = BFDnCNN(depth=2, width=2)
    save_model(path, net, pixel_size=1.0, dose_range=(0.1, 10.0))
    pad = (0x80 - path.read_bytes()[0]) % 256
    save_model(path, net, pixel_size=1.0, dose_range=(0.1, 10.0), description="x" * pad)
    assert path.read_bytes()[0] == 0x80
    assert load_model(path).header.description == "x" * pad
