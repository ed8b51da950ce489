import numpy as np
import pytest

from temdenoise.infer.tiling import auto_tile_and_batch, axis_windows, frame_windows, plan_tiles


@pytest.mark.parametrize(
    ("shape", "tile", "halo", "multiple"),
    [((100, 70), 32, 5, 1), ((1, 1), 16, 3, 8), ((37, 129), (8, 40), 9, 8), ((64, 64), None, 4, 4)],
)
def test_plan_covers_every_pixel_with_aligned_equal_tiles(shape, tile, halo, multiple):
    plan = plan_tiles(shape, tile=tile, halo=halo, multiple=multiple)
    covered = np.zeros(shape, dtype=int)
    padded_shape = np.pad(np.zeros(shape), plan.pad_width).shape
    for t in plan:
        covered[t.target] += 1
        src = np.zeros(padded_shape)[t.source]
        assert src.shape == plan.input_shape
        assert t.source[0].start % multiple == 0
        assert t.source[1].start % multiple == 0
        assert np.zeros(plan.input_shape)[t.crop].shape == covered[t.target].shape
    assert covered.min() == covered.max() == 1
    assert plan.halo % multiple == 0
    assert plan.halo >= halo
    assert all(s % multiple == 0 for s in plan.input_shape)


def test_last_tile_moves_back_to_the_edge_and_every_pixel_has_one_core():
    plan = plan_tiles((10, 10), tile=4, halo=0, multiple=1)
    assert [t.source[0] for t in plan][::3] == [slice(0, 4), slice(4, 8), slice(6, 10)]
    assert [t.target[0] for t in plan][::3] == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert len(plan) == 9


def test_edge_cores_take_the_halo_they_do_not_need_so_fewer_pixels_are_computed():
    # 100 px, halo 8, windows of 40: cores 32 (one halo in), 24, ..., to the edge
    assert axis_windows(100, 100, 40, 8) == [(0, 0, 32), (24, 32, 56), (48, 56, 80), (60, 80, 100)]
    # four windows of 1120 cover 4096 px with a halo of 64; equal cores needed 1152
    assert len(axis_windows(4096, 4096, 1120, 64)) == 4
    plan = plan_tiles((4096, 4096), tile=(2048, 992), halo=64, multiple=16)
    assert plan.input_shape == (2112, 1120)
    assert len(plan) == 2 * 4
    args = {"halo": 64, "multiple": 16, "bytes_per_pixel": 1, "budget_bytes": 1 << 40}
    tile, batch = auto_tile_and_batch((4096, 4096), batch_size=1, call_pixels=3 << 20, **args)
    plan = plan_tiles((4096, 4096), tile=tile, halo=64, multiple=16)
    assert batch == 1
    assert plan.input_shape[0] * plan.input_shape[1] <= 3 << 20
    # 2 x 3 windows of 2112 x 1456 px: 1.10 times the frame (equal cores: 1.16)
    assert len(plan) * plan.input_shape[0] * plan.input_shape[1] < 1.11 * 4096**2


def test_tile_larger_than_the_frame_gives_one_tile():
    plan = plan_tiles((5, 7), tile=512, halo=2, multiple=4)
    assert len(plan) == 1
    assert plan.tile == (8, 8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shape": (0, 5), "tile": 4, "halo": 1}, "at least 1 x 1"),
        ({"shape": (5, 5), "tile": 0, "halo": 1}, "tile must be >= 1"),
        ({"shape": (5, 5), "tile": 4, "halo": -1}, "halo must be >= 0"),
        ({"shape": (5, 5), "tile": 4, "halo": 1, "multiple": 0}, "multiple must be >= 1"),
    ],
)
def test_plan_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_tiles(**kwargs)


def test_frame_windows_reflect_at_both_ends():
    w = frame_windows(5, 5)
    assert w[0].tolist() == [2, 1, 0, 1, 2]
    assert w[1].tolist() == [1, 0, 1, 2, 3]
    assert w[2].tolist() == [0, 1, 2, 3, 4]
    assert w[4].tolist() == [2, 3, 4, 3, 2]
    assert frame_windows(1, 5).tolist() == [[0, 0, 0, 0, 0]]
    assert frame_windows(2, 5).tolist() == [[0, 1, 0, 1, 0], [1, 0, 1, 0, 1]]
    assert frame_windows(4, 1).tolist() == [[0], [1], [2], [3]]


@pytest.mark.parametrize(("n", "k"), [(0, 3), (3, 2), (3, 0)])
def test_frame_windows_refuse_bad_arguments(n, k):
    with pytest.raises(ValueError, match=r"must be"):
        frame_windows(n, k)


def test_the_whole_frame_when_it_fits_else_aligned_tiles_in_the_budget_else_the_smallest():
    args = {"halo": 10, "multiple": 8, "bytes_per_pixel": 100, "batch_size": 2}
    assert auto_tile_and_batch((50, 60), budget_bytes=10**9, **args) == ((56, 64), 2)
    budget = 200 * 300**2
    tile, batch = auto_tile_and_batch((4000, 4000), budget_bytes=budget, **args)
    plan = plan_tiles((4000, 4000), tile=tile, halo=10, multiple=8)
    assert all(t % 8 == 0 for t in tile)
    assert plan.input_shape[0] * plan.input_shape[1] * 100 * batch <= budget
    covered = len(plan) * plan.input_shape[0] * plan.input_shape[1]
    assert covered < 1.2 * 4000**2  # few halos: tiles as large as the budget allows
    assert auto_tile_and_batch((4000, 4000), budget_bytes=1, **args) == ((8, 8), 1)


def test_a_whole_frame_in_a_smaller_batch_beats_overlapping_tiles():
    args = {"halo": 51, "multiple": 8, "bytes_per_pixel": 1200}
    budget = 4 << 30  # a whole 1024^2 frame (no halo: no other tile) fits thrice, not 4 times
    tile, batch = auto_tile_and_batch((1024, 1024), batch_size=4, budget_bytes=budget, **args)
    assert tile == (1024, 1024)
    assert batch == 3
    tile, batch = auto_tile_and_batch((64, 64), batch_size=4, budget_bytes=budget, **args)
    assert (tile, batch) == ((64, 64), 4)


def test_windows_stay_inside_the_frame_and_a_frame_in_one_tile_costs_its_own_pixels():
    plan = plan_tiles((100, 100), tile=None, halo=24, multiple=8)
    assert plan.input_shape == (104, 104)  # extended to the factor, no halo
    assert plan.pad_width == ((0, 4), (0, 4))
    plan = plan_tiles((100, 100), tile=40, halo=24, multiple=8)
    for t in plan:
        assert t.source[0].start >= 0
        assert t.source[0].stop <= 104
        core = t.target[0]
        # context on each side: the frame's edge, or at least the halo
        assert core.start == 0 or core.start - t.source[0].start >= 24
        assert core.stop >= 100 or t.source[0].stop - core.stop >= 24


def test_an_axis_cut_in_two_needs_one_halo_and_uneven_grids_are_weighed():
    plan = plan_tiles((4096, 4096), tile=(2048, 1368), halo=51, multiple=8)
    assert plan.input_shape == (2048 + 56, 1368 + 2 * 56)
    args = {"halo": 51, "multiple": 8, "bytes_per_pixel": 1200, "batch_size": 4}
    tile, batch = auto_tile_and_batch((4096, 4096), budget_bytes=int(4.64 * 2**30), **args)
    plan = plan_tiles((4096, 4096), tile=tile, halo=51, multiple=8)
    computed = len(plan) * plan.input_shape[0] * plan.input_shape[1]
    square = plan_tiles((4096, 4096), tile=1368, halo=51, multiple=8)  # 3 x 3, as before
    assert computed < len(square) * square.input_shape[0] * square.input_shape[1]
    assert plan.input_shape[0] * plan.input_shape[1] * 1200 * batch <= 4.64 * 2**30


def test_call_pixels_caps_batch_times_window_and_the_fewest_pixels_are_kept_under_it():
    args = {"halo": 20, "multiple": 1, "bytes_per_pixel": 385, "budget_bytes": 64 << 30}
    # uncapped, a 4096^2 frame fits whole; capped at 3 MP, a grid of windows of at most 3 MP
    assert auto_tile_and_batch((4096, 4096), batch_size=1, **args) == ((4096, 4096), 1)
    tile, batch = auto_tile_and_batch((4096, 4096), batch_size=4, call_pixels=3 << 20, **args)
    plan = plan_tiles((4096, 4096), tile=tile, halo=20, multiple=1)
    assert plan.input_shape[0] * plan.input_shape[1] * batch <= 3 << 20
    assert len(plan) * plan.input_shape[0] * plan.input_shape[1] < 1.1 * 4096**2
    # small frames: the batch shrinks to the cap, whole frames kept
    tile, batch = auto_tile_and_batch((1024, 1024), batch_size=4, call_pixels=2 << 20, **args)
    assert (tile, batch) == ((1024, 1024), 2)


def test_the_cpu_caps_its_calls_and_a_gpu_does_not():
    import torch

    from temdenoise.infer.apply import CPU_CALL_PIXELS, call_pixels

    assert call_pixels(torch.device("cpu")) == CPU_CALL_PIXELS
    assert call_pixels(torch.device("cuda")) is None
