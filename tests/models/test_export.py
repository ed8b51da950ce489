"""`temdenoise export`: the ONNX model gives our output without temdenoise."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from temdenoise.cli import main
from temdenoise.infer.apply import denoise
from temdenoise.models import BFDnCNN, BFUNet
from temdenoise.models.checkpoint import load_model, save_model
from tests.conftest import randomize


@pytest.mark.parametrize(
    ("network", "frames"),
    [(BFUNet(scales=3, width=8), 1), (BFDnCNN(depth=4, width=8), 1),
     (BFUNet(scales=2, width=8, in_frames=3), 3)],
    ids=["unet", "dncnn", "unet-3f"],
)  # fmt: skip
def test_the_onnx_model_equals_ours_on_frames_of_any_size(tmp_path, capsys, network, frames):
    torch.manual_seed(0)
    path = tmp_path / "m.safetensors"
    save_model(path, randomize(network), pixel_size=0.25, dose_range=(0.5, 60.0), name="tiny")
    assert main(["export", str(path), "-o", str(tmp_path / "m.onnx")]) == 0
    assert "wrote" in capsys.readouterr().out
    graph = onnx.load(tmp_path / "m.onnx")
    props = {p.key: p.value for p in graph.metadata_props}
    assert props["pixel_size_angstrom"] == "0.25"
    assert props["in_frames"] == str(frames)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    model = load_model(path)
    rng = np.random.default_rng(1)
    for shape in [(frames + 2, 70, 90), (frames, 83, 61)]:  # not multiples of the factor
        stack = rng.poisson(11.0, size=shape).astype(np.float32)
        ours = denoise(stack, model)
        windows = np.stack([stack[i : i + frames] for i in range(shape[0] - frames + 1)])
        theirs = session.run(None, {"counts": windows})[0][:, 0]
        middle = frames // 2
        np.testing.assert_allclose(
            theirs, ours[middle : middle + len(windows)], rtol=1e-4, atol=1e-4 * np.abs(ours).max()
        )


def test_export_refuses_a_wrong_extension_in_one_line(tmp_path, capsys):
    assert main(["export", "bf-unet", "-o", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert ".onnx" in err
