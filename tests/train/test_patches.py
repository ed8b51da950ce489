from __future__ import annotations

import math

import pytest
import torch

from temdenoise.train.patches import Source, drift_offsets, resample_patch, sample_patches


def _image() -> torch.Tensor:
    return torch.rand((16, 16), generator=torch.Generator().manual_seed(0))


def test_unit_zoom_without_rotation_is_an_exact_crop() -> None:
    image = _image()
    patch = resample_patch(image, size=8, zoom=1.0, angle=0.0, where=(0.5, 0.5))
    torch.testing.assert_close(patch, image[4:12, 4:12], atol=1e-5, rtol=0)


def test_zoom_two_averages_two_by_two_blocks() -> None:
    image = _image()
    patch = resample_patch(image, size=4, zoom=2.0, angle=0.0, where=(0.5, 0.5))
    blocks = image[4:12, 4:12].reshape(4, 2, 4, 2).mean(dim=(1, 3))
    torch.testing.assert_close(patch, blocks, atol=1e-5, rtol=0)


def test_vacuum_stays_one_at_any_zoom_and_angle() -> None:
    flat = torch.ones((40, 40))
    for zoom, angle in ((0.6, 0.1), (1.7, -0.2), (3.0, math.pi / 4)):
        patch = resample_patch(flat, size=10, zoom=zoom, angle=angle, where=(0.3, 0.9))
        torch.testing.assert_close(patch, torch.ones((10, 10)), atol=1e-5, rtol=0)


def test_patches_are_deterministic_for_a_generator_and_vary_without_it() -> None:
    sets = [
        Source(torch.rand((3, 24, 24)), (0.8, 1.25)),
        Source(torch.rand((2, 30, 30)), (1.0, 2.0)),
    ]

    def draw(seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return sample_patches(sets, count=5, size=8, rotation_max=10.0, generator=gen)

    first = draw(1)
    assert first.shape == (5, 1, 8, 8)
    assert first.dtype == torch.float32
    torch.testing.assert_close(first, draw(1), atol=0, rtol=0)
    assert not torch.equal(first, draw(2))
    assert float(first.min()) >= 0


def test_a_shift_displaces_the_crop_by_whole_pixels() -> None:
    image = _image()
    patch = resample_patch(image, size=8, zoom=1.0, angle=0.0, where=(0.5, 0.5), shift=(2, -1))
    torch.testing.assert_close(patch, image[6:14, 3:11], atol=1e-5, rtol=0)


def test_drift_is_centred_on_the_middle_frame_and_bounded_by_the_speed() -> None:
    gen = torch.Generator().manual_seed(3)
    offsets = torch.tensor(drift_offsets(200, 5, 2.0, gen))  # (windows, frames, 2)
    assert offsets.shape == (200, 5, 2)
    assert torch.equal(offsets[:, 2], torch.zeros(200, 2))
    steps = offsets[:, 1:] - offsets[:, :-1]
    speed = steps.mean(dim=1).norm(dim=-1)  # the velocity, blurred by the jitter
    assert float(speed.max()) < 2.0 + 0.6
    assert float(speed.mean()) > 0.5
    assert drift_offsets(3, 1, 2.0, gen) == [[(0.0, 0.0)]] * 3


def test_windows_hold_the_same_scene_moved_along_the_drift() -> None:
    stripes = torch.sin(torch.arange(64.0) * 2 * math.pi / 16).expand(64, 64) + 2  # along columns
    gen = torch.Generator().manual_seed(0)
    windows = sample_patches(
        [Source(stripes[None], (1.0, 1.0))],
        count=4,
        size=16,
        rotation_max=0.0,
        generator=gen,
        frames=3,
        drift=0.0,
    )
    assert windows.shape == (4, 3, 16, 16)
    for window in windows:
        assert not torch.equal(window[0], window[1])  # the jitter moves the scene...
        for frame in window:  # ...but every frame is the same stripes, displaced
            torch.testing.assert_close(frame.mean(), window[1].mean(), atol=0.05, rtol=0)


def test_movie_windows_are_consecutive_frames_without_added_drift() -> None:
    frames = (
        torch.arange(1.0, 7.0)[:, None, None] + torch.rand((1, 24, 24)) / 10
    )  # frame t reads t + 1
    gen = torch.Generator().manual_seed(0)
    windows = sample_patches(
        [Source(frames, (1.0, 1.0), movie=True)],
        count=40,
        size=8,
        rotation_max=0.0,
        generator=gen,
        frames=3,
        drift=4.0,
    )
    levels = windows.mean(dim=(-2, -1)).round()  # (40, 3): the frame numbers
    assert torch.equal(levels[:, 1:] - levels[:, :-1], torch.ones(40, 2))
    assert set(levels[:, 0].tolist()) == {1.0, 2.0, 3.0, 4.0}  # the ends are reached
    detail = windows - windows.mean(dim=(-2, -1), keepdim=True)
    torch.testing.assert_close(detail[:, 0], detail[:, 2], atol=1e-5, rtol=0)  # not moved


def test_a_movie_shorter_than_a_window_is_refused() -> None:
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="shorter"):
        sample_patches(
            [Source(torch.ones((2, 16, 16)), (1.0, 1.0), movie=True)],
            count=1,
            size=8,
            rotation_max=0.0,
            generator=gen,
            frames=3,
        )


def _mixed_sets(device: torch.device) -> list[Source]:
    gen = torch.Generator().manual_seed(5)
    return [
        Source(torch.rand((3, 40, 40), generator=gen).to(device), (0.7, 1.6)),  # m = 1 and 2
        Source(torch.rand((6, 32, 48), generator=gen).to(device), (0.8, 1.2), movie=True),
    ]


def _draw(sets: list[Source], batched: bool | None) -> torch.Tensor:
    return sample_patches(
        sets,
        count=24,
        size=12,
        rotation_max=10.0,
        generator=torch.Generator().manual_seed(9),
        frames=3,
        drift=1.5,
        batched=batched,
    )


def test_batched_resampling_cuts_the_same_patches_bit_for_bit() -> None:
    sets = _mixed_sets(torch.device("cpu"))
    one_by_one = _draw(sets, batched=False)
    assert torch.equal(_draw(sets, batched=True), one_by_one)
    assert torch.equal(_draw(sets, batched=None), one_by_one)  # a CPU's default
    assert one_by_one.std() > 0.1  # real content, not a constant


def test_patches_are_cut_on_the_images_device(device: torch.device) -> None:
    patches = _draw(_mixed_sets(device), batched=None)
    assert patches.device.type == device.type
    expected = _draw(_mixed_sets(torch.device("cpu")), batched=False)
    torch.testing.assert_close(patches.cpu(), expected, atol=1e-4, rtol=1e-4)
