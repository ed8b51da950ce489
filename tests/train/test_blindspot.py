from __future__ import annotations

import pytest
import torch

from temdenoise.train.blindspot import blind_spot_inputs, blind_spot_loss


def _windows(frames: int = 3) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    return torch.poisson(torch.full((2, frames, 24, 24), 2.0), generator=gen)


def _mask(windows: torch.Tensor, hide_vertical: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(5)
    return blind_spot_inputs(windows, spacing=4, hide_vertical=hide_vertical, generator=gen)


def test_inputs_do_not_depend_on_scored_pixels_or_their_vertical_neighbours() -> None:
    windows = _windows()
    inputs, scored = _mask(windows)
    hidden = scored.clone()
    hidden[:, :, 1:] |= scored[:, :, :-1]
    hidden[:, :, :-1] |= scored[:, :, 1:]
    changed = windows.clone()
    changed[:, 1:2][hidden] += 100.0  # other noise at every hidden pixel of the middle frame
    again, scored_again = _mask(changed)
    assert torch.equal(scored, scored_again)
    assert torch.equal(inputs, again)
    assert int(scored.sum()) == 2 * 6 * 6  # one pixel in every 4 x 4 block


def test_without_hiding_vertical_neighbours_they_reach_the_network() -> None:
    windows = _windows()
    inputs, scored = _mask(windows, hide_vertical=False)
    changed = windows.clone()
    below = torch.zeros_like(scored)
    below[:, :, 1:] = scored[:, :, :-1]
    changed[:, 1:2][below] += 100.0
    again, _ = _mask(changed, hide_vertical=False)
    assert not torch.equal(inputs, again)


def test_only_the_middle_frame_is_masked() -> None:
    windows = _windows(frames=5)
    inputs, _ = _mask(windows)
    for f in (0, 1, 3, 4):
        assert torch.equal(inputs[:, f], windows[:, f])
    assert not torch.equal(inputs[:, 2], windows[:, 2])


def test_the_loss_of_the_truth_is_the_poisson_variance_over_the_mean() -> None:
    gen = torch.Generator().manual_seed(1)
    clean = 0.5 + torch.rand((4, 1, 64, 64), generator=gen)
    windows = torch.poisson(clean, generator=gen)
    _, scored = blind_spot_inputs(windows, spacing=2, hide_vertical=False, generator=gen)
    expected = float(clean[scored].mean() / windows.mean())
    assert float(blind_spot_loss(clean, windows, scored)) == pytest.approx(expected, rel=0.1)


def test_a_spacing_too_small_to_hide_neighbours_is_refused() -> None:
    with pytest.raises(ValueError, match="spacing must be at least 3"):
        blind_spot_inputs(_windows(), spacing=2, hide_vertical=True, generator=torch.Generator())
