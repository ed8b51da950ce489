"""The GPU job's training plan (the whole job is rehearsed by tests/test_gpu_job.py)."""

import pytest

from temdenoise.workflows.gpu_job import SHARES, planned_minutes


def test_the_minutes_are_split_by_share_over_the_chosen_models():
    plan = planned_minutes(7.0, list(SHARES))
    assert list(plan) == list(SHARES)
    assert sum(plan.values()) == pytest.approx(7.0)
    assert plan["bf-unet"] == pytest.approx(7.0 * 0.4)
    assert planned_minutes(6.0, ["seed-dncnn", "bf-unet-5f"]) == pytest.approx(
        {"seed-dncnn": 3.0, "bf-unet-5f": 3.0}
    )
